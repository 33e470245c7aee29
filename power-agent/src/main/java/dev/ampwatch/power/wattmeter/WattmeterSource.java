package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSource;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Wall power from an external meter (source type WATTMETER, component WALL, device {@value
 * #DEFAULT_DEVICE} unless {@value #DEVICE} names another), chosen by {@value #TYPE}:
 * <ul>
 *   <li>{@code shelly}, {@code tasmota}, {@code mystrom}: a smart plug's JSON HTTP API at {@value
 *       #URL}, polled once per read (see {@link SmartPlug});
 *   <li>{@code serial}: lines from a serial meter at {@value #PORT}, the Watts Up? PRO by default
 *       or any line format given as a regular expression in {@value #LINE_FORMAT} (see {@link
 *       LineFormat}, {@link SerialLineSession});
 *   <li>{@code csv}: new rows of a CSV file at {@value #FILE}, a meter's export or readings typed
 *       by hand (see {@link CsvTailSession}).
 * </ul>
 * The meter's own energy total is published as the energy counter wherever it reports one, next
 * to its power.
 *
 * <p>{@link #availability()} gets no settings from the agent, so the ServiceLoader instance takes
 * its settings from environment variables: {@code AMPWATCH_WATTMETER_TYPE} is {@value #TYPE},
 * {@code AMPWATCH_WATTMETER_SWITCH_ID} is {@value #SWITCH_ID}, and so on (upper case, {@code _}
 * for {@code -}). {@link #open} uses those overlaid with the {@code wattmeter.*} settings of its
 * context. Thread-safe.
 */
public final class WattmeterSource implements PowerSource {

    public static final String NAME = "wattmeter";
    /** Setting: shelly, tasmota, mystrom, serial or csv. */
    public static final String TYPE = "wattmeter.type";
    /** Setting: the device id published (default {@value #DEFAULT_DEVICE}). */
    public static final String DEVICE = "wattmeter.device";
    /** Setting: a smart plug's base URL, e.g. {@code http://192.168.1.50}. */
    public static final String URL = "wattmeter.url";
    /** Setting: the Shelly switch channel (default 0). */
    public static final String SWITCH_ID = "wattmeter.switch-id";
    /** Setting: HTTP timeout in milliseconds (default 1000). */
    public static final String TIMEOUT_MS = "wattmeter.timeout-ms";
    /** Setting: the user a plug's password belongs to (default {@code admin}, the only one Shelly and Tasmota have). */
    public static final String USER = "wattmeter.user";
    /**
     * Setting: a plug's web password (Shelly: HTTP digest; Tasmota: its web password) or API token (myStrom).
     * Prefer {@value #PASSWORD_FILE} or the variable {@code AMPWATCH_WATTMETER_PASSWORD}: a command line is visible
     * to every user of the host.
     */
    public static final String PASSWORD = "wattmeter.password";
    /** Setting: a file holding the password or token (its first line; readable by the agent only, ideally). */
    public static final String PASSWORD_FILE = "wattmeter.password-file";
    /** Setting: the serial device, e.g. {@code /dev/ttyUSB0}; a FIFO or plain file is read as a stream. */
    public static final String PORT = "wattmeter.port";
    /** Setting: serial speed (default 115200). */
    public static final String BAUD = "wattmeter.baud";
    /** Setting: {@code wattsup} (default) or a regular expression with named groups. */
    public static final String LINE_FORMAT = "wattmeter.line-format";
    /** Setting: text sent to the serial meter after opening (default: the preset's; empty: none). */
    public static final String INIT = "wattmeter.init";
    /** Setting: the CSV file to follow. */
    public static final String FILE = "wattmeter.file";
    /** Setting: zone of CSV timestamps without an offset (default: the system zone). */
    public static final String TIME_ZONE = "wattmeter.time-zone";
    /** Setting: also publish the rows already in the CSV file at open (default false). */
    public static final String FROM_START = "wattmeter.from-start";

    public static final String DEFAULT_DEVICE = "wall";
    /** Prefix of the environment variables read by the ServiceLoader instance. */
    public static final String ENV_PREFIX = "AMPWATCH_WATTMETER_";

    private static final String PREFIX = NAME + ".";

    private final Map<String, String> settings;

    /** The ServiceLoader constructor: settings from {@code AMPWATCH_WATTMETER_*} variables. */
    public WattmeterSource() {
        this(settingsFromEnvironment(System.getenv()));
    }

    /**
     * A source with these {@code wattmeter.*} settings (used by {@link #availability()}, and by
     * {@link #open} under the context's own).
     */
    public WattmeterSource(Map<String, String> settings) {
        this.settings = Map.copyOf(Objects.requireNonNull(settings, "settings"));
    }

    /** {@code AMPWATCH_WATTMETER_LINE_FORMAT=x} becomes {@code wattmeter.line-format=x}, and so on. */
    public static Map<String, String> settingsFromEnvironment(Map<String, String> environment) {
        Map<String, String> out = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && value != null) {
                out.put(PREFIX + name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-'), value);
            }
        });
        return out;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceType sourceType() {
        return SourceType.WATTMETER;
    }

    @Override
    public Set<Component> components() {
        return Set.of(Component.WALL);
    }

    @Override
    public Duration defaultInterval() {
        return Duration.ofSeconds(1);
    }

    /**
     * Whether a meter is configured and its address is plausible. Contacts nothing: an unreachable
     * plug or a silent port shows up when the source is opened.
     */
    @Override
    public Availability availability() {
        return probe(settings);
    }

    @Override
    public Set<String> settings() {
        return Set.of(TYPE, DEVICE, URL, SWITCH_ID, TIMEOUT_MS, USER, PASSWORD, PASSWORD_FILE, PORT, BAUD, LINE_FORMAT, INIT,
                FILE, TIME_ZONE, FROM_START);
    }

    /** With the context's {@code wattmeter.*} settings over those from the environment. */
    @Override
    public Availability availability(SourceContext context) {
        return probe(settingsFor(context));
    }

    private static Availability probe(Map<String, String> settings) {
        WattmeterSettings s;
        try {
            s = WattmeterSettings.parse(settings);
        } catch (PowerSourceException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException e) {
            return Availability.unavailable("invalid wattmeter settings", e);
        }
        if (s.type() == WattmeterSettings.Type.SERIAL) {
            String port = s.port().orElseThrow();
            if (port.startsWith("/") && !Files.exists(Path.of(port))) {
                return Availability.unavailable("serial port " + port + " not found (is the meter plugged in?)");
            }
        }
        if (s.type() == WattmeterSettings.Type.CSV) {
            Path dir = s.file().orElseThrow().toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                return Availability.unavailable("directory of " + s.file().get() + " does not exist");
            }
        }
        return Availability.ok();
    }

    /** This source's settings overlaid with the context's {@code wattmeter.*} settings. */
    Map<String, String> settingsFor(SourceContext context) {
        Map<String, String> merged = new HashMap<>(settings);
        if (context.settings().containsKey(PASSWORD) || context.settings().containsKey(PASSWORD_FILE)) {
            merged.remove(PASSWORD); // the agent's own secret replaces the environment's, whichever key either uses
            merged.remove(PASSWORD_FILE);
        }
        context.settings().forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                merged.put(k, v);
            }
        });
        return merged;
    }

    @Override
    public PowerSession open(SourceContext context) throws PowerSourceException {
        WattmeterSettings s = WattmeterSettings.parse(settingsFor(context));
        return switch (s.type()) {
            case SHELLY, TASMOTA, MYSTROM -> HttpPlugSession.open(SmartPlug.of(s), s.url().orElseThrow(), s.device(),
                    s.timeout(), s.credentials());
            case SERIAL -> {
                String port = s.port().orElseThrow();
                yield SerialLineSession.open(() -> LineChannel.open(port, s.baud()), s.lineFormat(), s.init(),
                        s.device(), context.clock(), port);
            }
            case CSV -> CsvTailSession.open(s.file().orElseThrow(), s.device(), s.zone(), context.clock(),
                    s.fromStart());
        };
    }
}
