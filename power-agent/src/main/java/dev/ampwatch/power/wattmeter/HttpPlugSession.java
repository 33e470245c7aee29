package dev.ampwatch.power.wattmeter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Polls a smart plug's JSON API: one GET per read, with a short timeout (the sampler reads once a
 * second by default). Every failure (no connection, timeout, an HTTP error status, malformed JSON,
 * a missing field) fails that read with a message naming the URL, and the sampler counts it.
 * Event time is the sampler's read time: the plugs do not timestamp their values.
 *
 * <p>A plug with a password: given {@link PlugCredentials}, the session answers an HTTP 401 challenge (Digest, as
 * Shelly's Gen2+ devices send once a password is set, see {@link HttpDigest}; or Basic) and keeps answering it
 * without a new round trip; Tasmota gets the password in its query and myStrom its token as a header
 * ({@link SmartPlug#withCredentials}, {@link SmartPlug#credentialHeaders}). A plug that wants credentials and has
 * none, or refuses them, fails the read saying so; messages name the URL without the password and never the
 * secret. Not thread-safe beyond the sampler's pattern (reads never overlap).
 */
final class HttpPlugSession implements PowerSession {

    private final HttpClient client;
    private final SmartPlug plug;
    private final URI uri;
    private final String device;
    private final Duration timeout;
    private final PlugCredentials credentials; // null: none configured
    private HttpDigest digest; // the digest challenge being answered, once the plug sent one
    private boolean basic; // the plug asked for Basic authentication

    private HttpPlugSession(HttpClient client, SmartPlug plug, URI uri, String device, Duration timeout,
            PlugCredentials credentials) {
        this.client = client;
        this.plug = plug;
        this.uri = uri;
        this.device = device;
        this.timeout = timeout;
        this.credentials = credentials;
    }

    /**
     * Opens a session after one successful read, so an unreachable or wrong address (or a wrong password) fails at
     * open with the reason; for plugs with several candidate URLs (Tasmota's Status 10 / Status 8) the first that
     * answers usefully is kept.
     */
    static HttpPlugSession open(SmartPlug plug, URI base, String device, Duration timeout,
            Optional<PlugCredentials> credentials) throws PowerSourceException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        PowerSourceException first = null;
        for (URI candidate : plug.candidates(base)) {
            HttpPlugSession session = new HttpPlugSession(client, plug, candidate, device, timeout, credentials.orElse(null));
            try {
                plug.parse(session.fetch(), candidate);
                return session;
            } catch (PowerSourceException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw new PowerSourceException("cannot read the " + plug.kind() + " plug at " + base + ": "
                + Objects.requireNonNull(first).getMessage(), first);
    }

    /** The URL read each time (without credentials). */
    URI uri() {
        return uri;
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        return List.of(plug.parse(fetch(), uri).toReading(device, readTime));
    }

    /** One GET of {@link #uri}, answering an authentication challenge once if the plug sends one. */
    JsonNode fetch() throws PowerSourceException {
        URI sent = credentials == null ? uri : plug.withCredentials(uri, credentials);
        String target = sent.getRawPath() + (sent.getRawQuery() == null ? "" : "?" + sent.getRawQuery());
        HttpResponse<byte[]> response = send(sent, target);
        if (response.statusCode() == 401) {
            if (!learnChallenge(response)) {
                throw refusedOrWanted(response, null);
            }
            response = send(sent, target);
            if (response.statusCode() == 401) {
                throw refusedOrWanted(response, null);
            }
        }
        if (response.statusCode() == 403 && credentials == null) {
            throw refusedOrWanted(response, null);
        }
        if (response.statusCode() != 200) {
            String body = new String(response.body(), StandardCharsets.UTF_8).strip();
            throw new PowerSourceException(uri + " answered HTTP " + response.statusCode()
                    + (body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body)));
        }
        JsonNode answer = Json.parse(response.body(), uri);
        Optional<String> wanted = plug.credentialsWanted(answer);
        if (wanted.isPresent()) {
            throw refusedOrWanted(response, wanted.get());
        }
        return answer;
    }

    /**
     * Takes the challenge of a 401 answer to answer it from now on; false when there is nothing to answer with (no
     * credentials, no usable challenge) or the challenge just answered was refused (a new nonce that is not stale is
     * answered once more: servers that expire nonces do not all say {@code stale}).
     */
    private boolean learnChallenge(HttpResponse<byte[]> response) throws PowerSourceException {
        if (credentials == null) {
            return false;
        }
        List<String> offered = response.headers().allValues("WWW-Authenticate");
        Optional<HttpDigest.Challenge> challenge;
        try {
            challenge = HttpDigest.strongest(offered);
        } catch (IllegalArgumentException e) {
            if (!HttpDigest.offersBasic(offered)) {
                throw new PowerSourceException(uri + " wants HTTP authentication, but " + e.getMessage(), e);
            }
            challenge = Optional.empty(); // a digest this client cannot answer, but Basic is offered too
        }
        if (challenge.isPresent()) {
            HttpDigest.Challenge c = challenge.get();
            if (digest != null && !c.stale() && c.nonce().equals(digest.challenge().nonce())) {
                return false; // the same nonce, refused: the credentials are wrong
            }
            if (digest == null) {
                digest = new HttpDigest(credentials.user(), credentials.secret(), c);
            } else {
                digest.renew(c);
            }
            return true;
        }
        if (HttpDigest.offersBasic(offered) && !basic) {
            basic = true;
            return true;
        }
        return false;
    }

    /** The failure of a plug that wants credentials and has none, or refused those it was given. */
    private PowerSourceException refusedOrWanted(HttpResponse<byte[]> response, String plugSays) {
        String what = plugSays != null ? "it says \"" + plugSays + "\""
                : "HTTP " + response.statusCode() + challengeText(response.headers().allValues("WWW-Authenticate"));
        if (credentials == null) {
            return new PowerSourceException(uri + " wants a password or token (" + what + "): set "
                    + WattmeterSource.PASSWORD_FILE + " to a file holding it (or " + WattmeterSource.PASSWORD
                    + ", or the variable AMPWATCH_WATTMETER_PASSWORD); the user is '" + PlugCredentials.DEFAULT_USER
                    + "' unless " + WattmeterSource.USER + " says otherwise");
        }
        return new PowerSourceException(uri + " refused " + credentials + " (" + what + "): check the password or token");
    }

    private static String challengeText(List<String> offered) {
        if (offered.isEmpty()) {
            return "";
        }
        try {
            Optional<HttpDigest.Challenge> c = HttpDigest.strongest(offered);
            if (c.isPresent()) {
                return ", digest " + c.get().algorithm() + (c.get().session() ? "-sess" : "") + " realm '"
                        + c.get().realm() + "'";
            }
        } catch (IllegalArgumentException e) {
            return ", " + e.getMessage();
        }
        return HttpDigest.offersBasic(offered) ? ", basic" : ", " + String.join("; ", offered);
    }

    private HttpResponse<byte[]> send(URI sent, String target) throws PowerSourceException {
        HttpRequest.Builder request = HttpRequest.newBuilder(sent).timeout(timeout).header("Accept", "application/json")
                .GET();
        if (credentials != null) {
            plug.credentialHeaders(credentials).forEach(request::header);
            if (digest != null) {
                request.header("Authorization", digest.authorization("GET", target));
            } else if (basic) {
                request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (credentials.user() + ":" + credentials.secret()).getBytes(StandardCharsets.UTF_8)));
            }
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new PowerSourceException(uri + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (ConnectException e) {
            throw new PowerSourceException("cannot connect to " + uri + ": " + describe(e), e);
        } catch (IOException e) {
            throw new PowerSourceException(uri + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerSourceException(uri + ": interrupted", e);
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
    }

    /** Nothing to release: the JDK client's connections time out on their own. */
    @Override
    public void close() {}
}
