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
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Polls a smart plug's JSON API: one GET per read, with a short timeout (the sampler reads once a
 * second by default). Every failure (no connection, timeout, an HTTP error status, malformed JSON,
 * a missing field) fails that read with a message naming the URL, and the sampler counts it.
 * Event time is the sampler's read time: the plugs do not timestamp their values.
 *
 * <p>A plug with a password ({@link PlugAuthentication}): the session answers an HTTP 401 challenge once and keeps
 * answering it without a new round trip; a plug that wants credentials and has none, or refuses them, fails the
 * read saying so. Not thread-safe beyond the sampler's pattern (reads never overlap).
 */
final class HttpPlugSession implements PowerSession {

    private final HttpClient client;
    private final SmartPlug plug;
    private final URI uri;
    private final String device;
    private final Duration timeout;
    private final PlugAuthentication auth;
    private final URI requested; // uri with the credentials the plug takes in its query
    private final String target; // its path and query, as a digest answer names them

    private HttpPlugSession(HttpClient client, SmartPlug plug, URI uri, String device, Duration timeout,
            PlugCredentials credentials) {
        this.client = client;
        this.plug = plug;
        this.uri = uri;
        this.device = device;
        this.timeout = timeout;
        this.auth = new PlugAuthentication(plug, credentials);
        this.requested = auth.requested(uri);
        this.target = requested.getRawPath() + (requested.getRawQuery() == null ? "" : "?" + requested.getRawQuery());
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
        HttpResponse<byte[]> response = send();
        if (response.statusCode() == 401) {
            if (!auth.learn(uri, challenges(response))) {
                throw refusedOrWanted(response);
            }
            response = send();
            if (response.statusCode() == 401) {
                throw refusedOrWanted(response);
            }
        }
        if (response.statusCode() == 403 && !auth.configured()) {
            throw refusedOrWanted(response);
        }
        if (response.statusCode() != 200) {
            String body = new String(response.body(), StandardCharsets.UTF_8).strip();
            throw new PowerSourceException(uri + " answered HTTP " + response.statusCode()
                    + (body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body)));
        }
        JsonNode answer = Json.parse(response.body(), uri);
        Optional<String> wanted = plug.credentialsWanted(answer);
        if (wanted.isPresent()) {
            throw auth.refusedOrWanted(uri, response.statusCode(), List.of(), wanted.get());
        }
        return answer;
    }

    private PowerSourceException refusedOrWanted(HttpResponse<byte[]> response) {
        return auth.refusedOrWanted(uri, response.statusCode(), challenges(response), null);
    }

    private static List<String> challenges(HttpResponse<byte[]> response) {
        return response.headers().allValues("WWW-Authenticate");
    }

    private HttpResponse<byte[]> send() throws PowerSourceException {
        HttpRequest.Builder request = HttpRequest.newBuilder(requested).timeout(timeout).header("Accept", "application/json")
                .GET();
        auth.addTo(request, target);
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
