package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smart plugs with a password, against a local server that checks credentials as the devices do: Shelly Gen2+
 * (HTTP Digest, SHA-256, user admin, the device id as realm), Tasmota (user and password in the query, a
 * {@code WARNING} answer without them), myStrom (a {@code Token} header), and Basic for anything behind a proxy.
 * The server's digest check is written here from RFC 7616's formula, separately from {@link HttpDigest}, whose
 * formula is pinned by the RFC's own example.
 */
class PlugAuthTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final String REALM = "shellyplusplugs-b0b21c10a2c4";
    private static final String SECRET = "s3cr\"t&pa ss";

    private PlugServer server;
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        server = new PlugServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** RFC 7616 section 3.9.1: the same request answered with MD5 and with SHA-256. */
    @Test
    void theResponseIsTheRfcsExample() {
        String nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        String cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        assertThat(HttpDigest.response("MD5", false, "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                "/dir/index.html", nonce, "00000001", cnonce)).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
        assertThat(HttpDigest.response("SHA-256", false, "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                "/dir/index.html", nonce, "00000001", cnonce))
                .isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    @Test
    void theStrongestChallengeIsAnsweredWhateverHowTheyAreWritten() {
        Optional<HttpDigest.Challenge> c = HttpDigest.strongest(List.of(
                "Basic realm=\"proxy\", Digest realm=\"a, \\\"b\\\"\", nonce=\"n1\", qop=\"auth,auth-int\", algorithm=MD5",
                "Digest realm=\"dev\",nonce=\"n2\",qop=\"auth\",algorithm=SHA-256, opaque=\"xyz\", stale=TRUE"));
        assertThat(c).get().isEqualTo(new HttpDigest.Challenge("dev", "n2", "SHA-256", false, true, Optional.of("xyz"), true));
        assertThat(HttpDigest.strongest(List.of("Digest realm=\"r\", nonce=\"n\""))).get()
                .isEqualTo(new HttpDigest.Challenge("r", "n", "MD5", false, false, Optional.empty(), false)); // RFC 2069
        assertThat(HttpDigest.strongest(List.of("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256-sess, qop=auth")))
                .get().extracting(HttpDigest.Challenge::session).isEqualTo(true);
        assertThat(HttpDigest.strongest(List.of("Basic realm=\"x\""))).isEmpty();
        assertThat(HttpDigest.offersBasic(List.of("Basic realm=\"x\""))).isTrue();
        assertThatThrownBy(() -> HttpDigest.strongest(List.of("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"")))
                .hasMessageContaining("qop auth-int without auth");
        assertThatThrownBy(() -> HttpDigest.strongest(List.of("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1")))
                .hasMessageContaining("algorithm SHA-1");
    }

    @Test
    void basicIsAnsweredWhenTheDigestOfferedIsOneThisClientCannotSpeak() throws Exception {
        assertThat(HttpDigest.offersBasic(List.of("Digest realm=\"a, Basic b\", nonce=\"n\", Basic realm=\"proxy\""))).isTrue();
        assertThat(HttpDigest.offersBasic(List.of("Digest realm=\"Basic\", nonce=\"n\""))).as("inside a quoted string").isFalse();
        assertThatThrownBy(() -> HttpDigest.strongest(List.of("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess")))
                .hasMessageContaining("without qop auth");
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + SECRET).getBytes(StandardCharsets.UTF_8));
        server.json("/report", SmartPlugHttpTest.MYSTROM).guard(exchange ->
                expected.equals(exchange.getRequestHeaders().getFirst("Authorization")) ? null
                        : new PlugServer.Denial(401, Map.of("WWW-Authenticate",
                                List.of("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1, Basic realm=\"proxy\"")), ""));
        try (PowerSession session = open("mystrom", WattmeterSource.PASSWORD, SECRET)) {
            assertThat(session.read(T0).get(0).powerWatts()).hasValue(51.63);
        }
    }

    /** A secret given to the agent replaces the environment's, whichever of the two keys each uses. */
    @Test
    void theAgentsPasswordFileWinsOverAPasswordFromTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("pass"), SECRET + "\n");
        WattmeterSource fromEnvironment = new WattmeterSource(Map.of(WattmeterSource.PASSWORD, "from-env"));
        Map<String, String> merged = fromEnvironment.settingsFor(new SourceContext("rig-1", new FakeClock(T0),
                Map.of(WattmeterSource.PASSWORD_FILE, file.toString())));
        assertThat(WattmeterSettings.credentials(merged)).get().extracting(PlugCredentials::secret).isEqualTo(SECRET);
        assertThat(new SourceContext("rig-1", new FakeClock(T0), Map.of(WattmeterSource.PASSWORD, SECRET)).toString())
                .contains("wattmeter.password=***").doesNotContain(SECRET);
    }

    @Test
    void aShellyWithAPasswordIsReadAfterOneChallengeNotOnePerRead() throws Exception {
        DigestPlug plug = new DigestPlug(Integer.MAX_VALUE);
        server.json("/rpc/Switch.GetStatus?id=0", SmartPlugHttpTest.SHELLY).guard(plug);
        try (PowerSession session = open("shelly", WattmeterSource.PASSWORD, SECRET)) {
            for (int i = 0; i < 5; i++) {
                PowerReading r = session.read(T0.plusSeconds(i)).get(0);
                assertThat(r.powerWatts()).hasValue(8.9);
            }
        }
        // open: one refused (no Authorization), one answered; then five reads, each with the next nonce count
        assertThat(server.authorizations).hasSize(7);
        assertThat(server.authorizations.get(0)).isEmpty();
        assertThat(plug.acceptedCounts).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(server.authorizations.get(1)).contains("algorithm=SHA-256", "username=\"admin\"", "qop=auth",
                "realm=\"" + REALM + "\"", "uri=\"/rpc/Switch.GetStatus?id=0\"").doesNotContain(SECRET);
    }

    @Test
    void anExpiredNonceIsRenewedWithoutFailingARead() throws Exception {
        DigestPlug plug = new DigestPlug(3); // each nonce answers three requests, then is stale
        server.json("/rpc/Switch.GetStatus?id=0", SmartPlugHttpTest.SHELLY).guard(plug);
        try (PowerSession session = open("shelly", WattmeterSource.PASSWORD, SECRET)) {
            for (int i = 0; i < 6; i++) {
                assertThat(session.read(T0.plusSeconds(i)).get(0).powerWatts()).hasValue(8.9);
            }
        }
        assertThat(plug.noncesIssued).isGreaterThanOrEqualTo(3);
        assertThat(plug.acceptedCounts).containsExactly(1, 2, 3, 1, 2, 3, 1);
    }

    @Test
    void noPasswordOrAWrongOneSaysSoAndNeverShowsTheSecret() {
        server.json("/rpc/Switch.GetStatus?id=0", SmartPlugHttpTest.SHELLY).guard(new DigestPlug(Integer.MAX_VALUE));
        assertThatThrownBy(() -> open("shelly"))
                .hasMessageContaining("wants a password or token (HTTP 401, digest SHA-256 realm '" + REALM + "')")
                .hasMessageContaining("set wattmeter.password-file");
        assertThatThrownBy(() -> open("shelly", WattmeterSource.PASSWORD, "wrong-secret"))
                .hasMessageContaining("refused user 'admin' with the secret from wattmeter.password")
                .hasMessageContaining("digest SHA-256 realm '" + REALM + "'")
                .hasMessageNotContaining("wrong-secret");
        int before = server.requests.size();
        assertThatThrownBy(() -> open("shelly", WattmeterSource.PASSWORD, "wrong-secret"));
        assertThat(server.requests.size() - before).as("a refusal is not retried over and over").isEqualTo(2);
    }

    @Test
    void tasmotaTakesItsPasswordInTheQueryAndMessagesLeaveItOut() throws Exception {
        String withCredentials = "/cm?cmnd=Status%2010&user=admin&password=s3cr%22t%26pa+ss";
        server.json(withCredentials, SmartPlugHttpTest.TASMOTA)
                .json("/cm?cmnd=Status%2010", "{\"WARNING\":\"Need user=<username>&password=<password>\"}")
                .json("/cm?cmnd=Status%208", "{\"WARNING\":\"Need user=<username>&password=<password>\"}")
                .json("/cm?cmnd=Status%2010&user=admin&password=wrong", "{\"WARNING\":\"Need user=<username>&password=<password>\"}")
                .json("/cm?cmnd=Status%208&user=admin&password=wrong", "{\"WARNING\":\"Need user=<username>&password=<password>\"}");
        try (PowerSession session = open("tasmota", WattmeterSource.PASSWORD, SECRET)) {
            assertThat(session.read(T0).get(0).powerWatts()).hasValue(312);
            assertThat(((HttpPlugSession) session).uri().toString()).endsWith("/cm?cmnd=Status%2010");
        }
        assertThat(server.requests).contains(withCredentials);
        assertThatThrownBy(() -> open("tasmota"))
                .hasMessageContaining("wants a password or token (it says \"Need user=<username>&password=<password>\")");
        assertThatThrownBy(() -> open("tasmota", WattmeterSource.PASSWORD, "wrong"))
                .hasMessageContaining("/cm?cmnd=Status%2010 refused user 'admin'")
                .hasMessageNotContaining("password=wrong");
    }

    @Test
    void myStromGetsItsTokenAsAHeader() throws Exception {
        server.json("/report", SmartPlugHttpTest.MYSTROM).guard(exchange ->
                "t0ken".equals(exchange.getRequestHeaders().getFirst("Token")) ? null
                        : new PlugServer.Denial(401, Map.of(), ""));
        try (PowerSession session = open("mystrom", WattmeterSource.PASSWORD, "t0ken")) {
            assertThat(session.read(T0).get(0).powerWatts()).hasValue(51.63);
        }
        assertThatThrownBy(() -> open("mystrom")).hasMessageContaining("/report wants a password or token (HTTP 401)");
        assertThatThrownBy(() -> open("mystrom", WattmeterSource.PASSWORD, "nope"))
                .hasMessageContaining("refused user 'admin' with the secret from wattmeter.password (HTTP 401)");
    }

    @Test
    void basicAuthenticationIsAnsweredToo() throws Exception {
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(
                ("meter:" + SECRET).getBytes(StandardCharsets.UTF_8));
        server.json("/report", SmartPlugHttpTest.MYSTROM).guard(exchange ->
                expected.equals(exchange.getRequestHeaders().getFirst("Authorization")) ? null
                        : new PlugServer.Denial(401, Map.of("WWW-Authenticate", List.of("Basic realm=\"proxy\"")), ""));
        try (PowerSession session = open("mystrom", WattmeterSource.USER, "meter", WattmeterSource.PASSWORD, SECRET)) {
            session.read(T0);
            session.read(T0.plusSeconds(1));
        }
        assertThat(server.authorizations).containsExactly("", expected, expected, expected);
    }

    @Test
    void thePasswordFileIsItsFirstLineAndItsProblemsAreNamed() throws Exception {
        Path file = dir.resolve("shelly.pass");
        Files.writeString(file, SECRET + "\n");
        DigestPlug plug = new DigestPlug(Integer.MAX_VALUE);
        server.json("/rpc/Switch.GetStatus?id=0", SmartPlugHttpTest.SHELLY).guard(plug);
        try (PowerSession session = open("shelly", WattmeterSource.PASSWORD_FILE, file.toString())) {
            assertThat(session.read(T0).get(0).powerWatts()).hasValue(8.9);
        }
        assertThatThrownBy(() -> open("shelly", WattmeterSource.PASSWORD_FILE, dir.resolve("none").toString()))
                .hasMessageContaining("cannot read wattmeter.password-file " + dir.resolve("none") + ": no such file");
        Path empty = Files.writeString(dir.resolve("empty"), "");
        assertThatThrownBy(() -> open("shelly", WattmeterSource.PASSWORD_FILE, empty.toString()))
                .hasMessageContaining("is empty: its first line is the password or token");
        assertThatThrownBy(() -> open("shelly", WattmeterSource.PASSWORD_FILE, file.toString(), WattmeterSource.PASSWORD, "x"))
                .hasMessageContaining("set wattmeter.password or wattmeter.password-file, not both");
        assertThat(WattmeterSettings.credentials(Map.of(WattmeterSource.PASSWORD, SECRET)).orElseThrow().toString())
                .isEqualTo("user 'admin' with the secret from wattmeter.password").doesNotContain(SECRET);
    }

    private PowerSession open(String type, String... more) throws PowerSourceException {
        String[] settings = java.util.Arrays.copyOf(new String[] {WattmeterSource.TIMEOUT_MS, "2000"}, 2 + more.length);
        System.arraycopy(more, 0, settings, 2, more.length);
        return server.open(new FakeClock(T0), type, settings);
    }

    /**
     * A Shelly Gen2+ with a password: challenges with {@code Digest qop="auth", realm=<device id>, nonce=...,
     * algorithm=SHA-256}, checks the answer for user admin and {@link #SECRET}, and wants the nonce count to grow;
     * after {@code uses} accepted requests a nonce is stale and a new one is issued.
     */
    private static final class DigestPlug implements PlugServer.Guard {
        private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");
        private final int uses;
        private String nonce;
        private int usedOfNonce;
        private int lastCount;
        int noncesIssued;
        final List<Integer> acceptedCounts = new ArrayList<>();

        DigestPlug(int uses) {
            this.uses = uses;
        }

        @Override
        public synchronized PlugServer.Denial check(HttpExchange exchange) {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            if (header == null || !header.startsWith("Digest ")) {
                return challenge(false);
            }
            Map<String, String> p = new HashMap<>();
            Matcher m = PARAM.matcher(header.substring(7));
            while (m.find()) {
                p.put(m.group(1), m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3));
            }
            if (!p.get("nonce").equals(nonce)) {
                return challenge(false);
            }
            if (usedOfNonce >= uses) {
                return challenge(true);
            }
            int count = Integer.parseInt(p.get("nc"), 16);
            String uri = exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery();
            String ha1 = sha256("admin:" + REALM + ":" + SECRET);
            String ha2 = sha256("GET:" + uri);
            String expected = sha256(ha1 + ":" + nonce + ":" + p.get("nc") + ":" + p.get("cnonce") + ":auth:" + ha2);
            if (!"admin".equals(p.get("username")) || !uri.equals(p.get("uri")) || !expected.equals(p.get("response"))
                    || count <= lastCount || !"SHA-256".equals(p.get("algorithm"))) {
                return challenge(false);
            }
            lastCount = count;
            usedOfNonce++;
            acceptedCounts.add(count);
            return null;
        }

        private PlugServer.Denial challenge(boolean stale) {
            nonce = Long.toHexString(Double.doubleToLongBits(Math.random()));
            noncesIssued++;
            usedOfNonce = 0;
            lastCount = 0;
            return new PlugServer.Denial(401, Map.of("WWW-Authenticate", List.of("Digest qop=\"auth\", realm=\"" + REALM
                    + "\", nonce=\"" + nonce + "\", algorithm=SHA-256" + (stale ? ", stale=true" : ""))), "");
        }

        private static String sha256(String s) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
