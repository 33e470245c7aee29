package dev.ampwatch.power.wattmeter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP Digest access authentication, the client side of RFC 7616: what Shelly's Gen2+ devices require once a
 * password is set (SHA-256, user {@code admin}, the device id as realm), and what many meters and proxies speak
 * with MD5. One {@link Challenge} from a 401 answer is kept and reused for the following requests with an
 * increasing nonce count, as the RFC allows, so a plug read every second costs one request, not two; a new
 * challenge (an expired nonce) replaces it.
 *
 * <p>Supported: algorithms MD5, SHA-256 and SHA-512-256, each also as {@code -sess}; qop {@code auth}, or none
 * (RFC 2069). Not supported: {@code auth-int} alone, {@code userhash}. Not thread-safe: one per session, whose
 * reads never overlap.
 */
final class HttpDigest {

    /** The algorithms this client speaks, strongest first: the order in which offered challenges are preferred. */
    private static final List<String> ALGORITHMS = List.of("SHA-512-256", "SHA-256", "MD5");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One {@code WWW-Authenticate: Digest ...} challenge.
     *
     * @param algorithm MD5, SHA-256 or SHA-512-256, upper case
     * @param session whether the algorithm is a {@code -sess} variant
     * @param qopAuth whether the server offered qop {@code auth} (else: no qop, RFC 2069)
     * @param opaque echoed back when present
     * @param stale whether the server says the previous nonce merely expired (the credentials were right)
     */
    record Challenge(String realm, String nonce, String algorithm, boolean session, boolean qopAuth,
            Optional<String> opaque, boolean stale) {}

    private final String user;
    private final String password;
    private Challenge challenge;
    private int nonceCount;

    HttpDigest(String user, String password, Challenge challenge) {
        this.user = user;
        this.password = password;
        this.challenge = challenge;
    }

    /** The challenge requests are answered to. */
    Challenge challenge() {
        return challenge;
    }

    /** Answers {@code next} from now on, counting its nonce from 1. */
    void renew(Challenge next) {
        challenge = next;
        nonceCount = 0;
    }

    /** The {@code Authorization} header for {@code method} of {@code uri} (path and query, as sent). */
    String authorization(String method, String uri) {
        nonceCount++;
        String nc = String.format(Locale.ROOT, "%08x", nonceCount);
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String cnonce = HexFormat.of().formatHex(bytes);
        Challenge c = challenge;
        String response = response(c.algorithm(), c.session(), user, c.realm(), password, method, uri, c.nonce(),
                c.qopAuth() ? nc : null, cnonce);
        StringBuilder h = new StringBuilder("Digest username=").append(quote(user))
                .append(", realm=").append(quote(c.realm()))
                .append(", nonce=").append(quote(c.nonce()))
                .append(", uri=").append(quote(uri))
                .append(", algorithm=").append(c.algorithm()).append(c.session() ? "-sess" : "");
        if (c.qopAuth()) {
            h.append(", qop=auth, nc=").append(nc).append(", cnonce=").append(quote(cnonce));
        }
        h.append(", response=").append(quote(response));
        c.opaque().ifPresent(o -> h.append(", opaque=").append(quote(o)));
        return h.toString();
    }

    /**
     * The {@code response} value of RFC 7616 section 3.4.1: {@code KD(H(A1), nonce:nc:cnonce:qop:H(A2))}, or
     * {@code KD(H(A1), nonce:H(A2))} without qop ({@code nc} null), with {@code A1 = user:realm:password} (for
     * {@code -sess} algorithms {@code H(user:realm:password):nonce:cnonce}) and {@code A2 = method:uri}.
     */
    static String response(String algorithm, boolean session, String user, String realm, String password,
            String method, String uri, String nonce, String nc, String cnonce) {
        String ha1 = hash(algorithm, user + ":" + realm + ":" + password);
        if (session) {
            ha1 = hash(algorithm, ha1 + ":" + nonce + ":" + cnonce);
        }
        String ha2 = hash(algorithm, method + ":" + uri);
        return nc == null
                ? hash(algorithm, ha1 + ":" + nonce + ":" + ha2)
                : hash(algorithm, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    }

    private static String hash(String algorithm, String text) {
        String jca = switch (algorithm) {
            case "MD5" -> "MD5";
            case "SHA-256" -> "SHA-256";
            case "SHA-512-256" -> "SHA-512/256";
            default -> throw new IllegalArgumentException("digest algorithm " + algorithm);
        };
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jca, e); // every Java 17 runtime has all three
        }
    }

    /**
     * The strongest digest challenge this client can answer among the {@code WWW-Authenticate} header values of a
     * 401 answer (one header may hold several challenges); empty when none is a Digest challenge.
     *
     * @throws IllegalArgumentException when there are Digest challenges but none this client can answer, saying why
     */
    static Optional<Challenge> strongest(List<String> wwwAuthenticate) {
        List<Map<String, String>> digests = new ArrayList<>();
        for (String header : wwwAuthenticate) {
            for (Scheme c : challenges(header)) {
                if (c.name().equalsIgnoreCase("Digest")) {
                    digests.add(c.params());
                }
            }
        }
        if (digests.isEmpty()) {
            return Optional.empty();
        }
        Challenge best = null;
        String refused = null;
        for (Map<String, String> p : digests) {
            String algorithm = p.getOrDefault("algorithm", "MD5").toUpperCase(Locale.ROOT);
            boolean session = algorithm.endsWith("-SESS");
            String base = session ? algorithm.substring(0, algorithm.length() - 5) : algorithm;
            String qop = p.get("qop");
            boolean qopAuth = qop != null && List.of(qop.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("auth");
            if (!ALGORITHMS.contains(base)) {
                refused = "algorithm " + algorithm;
            } else if (qop != null && !qopAuth) {
                refused = "qop " + qop + " without auth";
            } else if (session && !qopAuth) {
                refused = "algorithm " + algorithm + " without qop auth (the client nonce it hashes would not be sent)";
            } else if ("true".equalsIgnoreCase(p.get("userhash"))) {
                refused = "userhash";
            } else if (!p.containsKey("realm") || !p.containsKey("nonce")) {
                refused = "a challenge without realm or nonce";
            } else {
                Challenge c = new Challenge(p.get("realm"), p.get("nonce"), base, session, qopAuth,
                        Optional.ofNullable(p.get("opaque")), "true".equalsIgnoreCase(p.get("stale")));
                if (best == null || ALGORITHMS.indexOf(base) < ALGORITHMS.indexOf(best.algorithm())) {
                    best = c;
                }
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("its digest challenge asks for " + refused
                    + ", which this client does not support (it speaks MD5, SHA-256 and SHA-512-256, qop auth)");
        }
        return Optional.of(best);
    }

    /** Whether any challenge in the header values is a Basic one (a value may hold several challenges). */
    static boolean offersBasic(List<String> wwwAuthenticate) {
        return wwwAuthenticate.stream().flatMap(h -> challenges(h).stream()).anyMatch(c -> c.name().equalsIgnoreCase("Basic"));
    }

    /** One challenge of a {@code WWW-Authenticate} value: its scheme and parameters (names lower-cased). */
    record Scheme(String name, Map<String, String> params) {}

    /**
     * Every challenge in one header value, e.g. {@code Digest realm="a", nonce="b", algorithm=SHA-256, Basic
     * realm="c"}: schemes in order, parameter names lower-cased, quoted strings unquoted.
     */
    static List<Scheme> challenges(String header) {
        List<Scheme> out = new ArrayList<>();
        Map<String, String> current = null;
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ',' || header.charAt(i) == '=' || Character.isWhitespace(header.charAt(i)))) {
                i++;
            }
            int start = i;
            while (i < n && header.charAt(i) != '=' && header.charAt(i) != ',' && !Character.isWhitespace(header.charAt(i))) {
                i++;
            }
            String token = header.substring(start, i);
            if (token.isEmpty()) {
                break;
            }
            int j = i;
            while (j < n && Character.isWhitespace(header.charAt(j))) {
                j++;
            }
            if (j < n && header.charAt(j) == '=' && !(j + 1 < n && header.charAt(j + 1) == '=')) {
                i = j + 1; // name=value
                while (i < n && Character.isWhitespace(header.charAt(i))) {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(header.charAt(i++));
                    }
                    i++; // the closing quote
                } else {
                    while (i < n && header.charAt(i) != ',' && !Character.isWhitespace(header.charAt(i))) {
                        value.append(header.charAt(i++));
                    }
                }
                if (current != null) {
                    current.put(token.toLowerCase(Locale.ROOT), value.toString());
                }
            } else { // a scheme name starts a new challenge (a token68 reads as one too: it has no parameters)
                current = new LinkedHashMap<>();
                out.add(new Scheme(token, current));
                i = j;
            }
        }
        return out;
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
