package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerSourceException;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code wattmeter.*} settings, parsed and validated. Immutable.
 *
 * @param type which meter
 * @param device the device id published (default {@code wall})
 * @param url base URL of a smart plug (shelly, tasmota, mystrom), without a trailing slash
 * @param switchId Shelly switch channel (default 0)
 * @param timeout HTTP connect and request timeout (default 1 s)
 * @param credentials a plug's user and password or token, when one is set
 * @param port serial device path or port name (serial)
 * @param baud serial speed (default 115200, the Watts Up? PRO's)
 * @param lineFormat how a serial line is read (default: the Watts Up? PRO preset)
 * @param init text written to the port after opening (default: the preset's, e.g. the Watts Up?
 *     logging command; none for a custom format)
 * @param file CSV file to tail (csv)
 * @param zone time zone of CSV timestamps without an offset (default: the system zone)
 * @param fromStart CSV: also publish rows already in the file at open (default false)
 */
record WattmeterSettings(Type type, String device, Optional<URI> url, int switchId, Duration timeout,
        Optional<PlugCredentials> credentials, Optional<String> port, int baud, LineFormat lineFormat, Optional<String> init,
        Optional<Path> file, ZoneId zone, boolean fromStart) {

    /** The kinds of meter. */
    enum Type {
        SHELLY(true), TASMOTA(true), MYSTROM(true), SERIAL(false), CSV(false);

        final boolean http;

        Type(boolean http) {
            this.http = http;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static String ids() {
            return Arrays.stream(values()).map(Type::id).collect(Collectors.joining(", "));
        }
    }

    static final String NO_TYPE = "no wattmeter configured: set " + WattmeterSource.TYPE + " and its address";

    /** Parses {@code settings} (keys with the {@code wattmeter.} prefix; others are ignored). */
    static WattmeterSettings parse(Map<String, String> settings) throws PowerSourceException {
        String typeText = get(settings, WattmeterSource.TYPE).orElseThrow(() -> new PowerSourceException(NO_TYPE));
        Type type;
        try {
            type = Type.valueOf(typeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PowerSourceException("unknown " + WattmeterSource.TYPE + " '" + typeText + "'; one of "
                    + Type.ids());
        }
        String device = get(settings, WattmeterSource.DEVICE).orElse(WattmeterSource.DEFAULT_DEVICE);

        Optional<URI> url = Optional.empty();
        if (type.http) {
            String text = get(settings, WattmeterSource.URL).orElseThrow(() -> new PowerSourceException(
                    WattmeterSource.TYPE + "=" + type.id() + " needs " + WattmeterSource.URL
                            + ", the plug's address, e.g. http://192.168.1.50"));
            url = Optional.of(baseUrl(text));
        }
        int switchId = intSetting(settings, WattmeterSource.SWITCH_ID, 0, 0);
        Duration timeout = Duration.ofMillis(intSetting(settings, WattmeterSource.TIMEOUT_MS, 1000, 1));
        Optional<PlugCredentials> credentials = credentials(settings);

        Optional<String> port = get(settings, WattmeterSource.PORT);
        if (type == Type.SERIAL && port.isEmpty()) {
            throw new PowerSourceException(WattmeterSource.TYPE + "=serial needs " + WattmeterSource.PORT
                    + ", the meter's serial device, e.g. /dev/ttyUSB0");
        }
        int baud = intSetting(settings, WattmeterSource.BAUD, 115_200, 1);
        LineFormat lineFormat;
        try {
            lineFormat = LineFormat.of(get(settings, WattmeterSource.LINE_FORMAT).orElse(LineFormat.WATTSUP));
        } catch (IllegalArgumentException e) {
            throw new PowerSourceException("setting " + WattmeterSource.LINE_FORMAT + ": " + e.getMessage(), e);
        }
        Optional<String> init = settings.containsKey(WattmeterSource.INIT)
                ? Optional.of(settings.get(WattmeterSource.INIT)).filter(s -> !s.isEmpty())
                : lineFormat.defaultInit();

        Optional<Path> file = Optional.empty();
        if (type == Type.CSV) {
            String text = get(settings, WattmeterSource.FILE).orElseThrow(() -> new PowerSourceException(
                    WattmeterSource.TYPE + "=csv needs " + WattmeterSource.FILE + ", the CSV file to follow"));
            try {
                file = Optional.of(Path.of(text));
            } catch (InvalidPathException e) {
                throw new PowerSourceException("setting " + WattmeterSource.FILE + " is not a path: '" + text + "'", e);
            }
        }
        ZoneId zone;
        try {
            zone = get(settings, WattmeterSource.TIME_ZONE).map(ZoneId::of).orElse(ZoneId.systemDefault());
        } catch (DateTimeException e) {
            throw new PowerSourceException("setting " + WattmeterSource.TIME_ZONE + " is not a time zone: '"
                    + settings.get(WattmeterSource.TIME_ZONE) + "'", e);
        }
        boolean fromStart = get(settings, WattmeterSource.FROM_START).map(String::toLowerCase)
                .map(v -> v.equals("true") || v.equals("yes") || v.equals("1")).orElse(false);
        return new WattmeterSettings(type, device, url, switchId, timeout, credentials, port, baud, lineFormat, init, file,
                zone, fromStart);
    }

    /**
     * The user and the secret of {@value WattmeterSource#PASSWORD} or the first line of the file
     * {@value WattmeterSource#PASSWORD_FILE} (not both); empty when neither is set.
     */
    static Optional<PlugCredentials> credentials(Map<String, String> settings) throws PowerSourceException {
        String user = get(settings, WattmeterSource.USER).orElse(PlugCredentials.DEFAULT_USER);
        Optional<String> password = Optional.ofNullable(settings.get(WattmeterSource.PASSWORD)).filter(p -> !p.isEmpty());
        Optional<String> file = get(settings, WattmeterSource.PASSWORD_FILE);
        if (password.isPresent() && file.isPresent()) {
            throw new PowerSourceException("set " + WattmeterSource.PASSWORD + " or " + WattmeterSource.PASSWORD_FILE
                    + ", not both");
        }
        if (password.isPresent()) {
            return Optional.of(new PlugCredentials(user, password.get(), WattmeterSource.PASSWORD));
        }
        if (file.isEmpty()) {
            return Optional.empty();
        }
        String secret;
        try (BufferedReader in = Files.newBufferedReader(Path.of(file.get()), StandardCharsets.UTF_8)) {
            secret = in.readLine(); // the first line, without its line ending: `echo secret > file` works
        } catch (IOException | InvalidPathException e) {
            throw new PowerSourceException("cannot read " + WattmeterSource.PASSWORD_FILE + " " + file.get() + ": "
                    + (e instanceof AccessDeniedException ? "permission denied (the agent runs as "
                    + System.getProperty("user.name") + ")" : e instanceof NoSuchFileException
                    ? "no such file" : e.toString()), e);
        }
        if (secret == null || secret.isEmpty()) {
            throw new PowerSourceException(WattmeterSource.PASSWORD_FILE + " " + file.get()
                    + " is empty: its first line is the password or token");
        }
        return Optional.of(new PlugCredentials(user, secret, WattmeterSource.PASSWORD_FILE + " " + file.get()));
    }

    /** {@code http://} is added when no scheme is given; one trailing slash is dropped. */
    static URI baseUrl(String text) throws PowerSourceException {
        String t = text.strip();
        if (!t.contains("://")) {
            t = "http://" + t;
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            URI uri = new URI(t);
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw new URISyntaxException(t, "not an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new PowerSourceException("setting " + WattmeterSource.URL + " is not a URL: '" + text + "' ("
                    + e.getReason() + ")", e);
        }
    }

    private static Optional<String> get(Map<String, String> settings, String key) {
        return Optional.ofNullable(settings.get(key)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static int intSetting(Map<String, String> settings, String key, int fallback, int min)
            throws PowerSourceException {
        Optional<String> v = get(settings, key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new PowerSourceException("setting " + key + " must be an integer >= " + min + ": '" + v.get() + "'");
        }
    }
}
