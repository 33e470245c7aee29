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

/**
 * Polls a smart plug's JSON API: one GET per read, with a short timeout (the sampler reads once a
 * second by default). Every failure (no connection, timeout, an HTTP error status, malformed JSON,
 * a missing field) fails that read with a message naming the URL, and the sampler counts it.
 * Event time is the sampler's read time: the plugs do not timestamp their values. Not
 * thread-safe beyond the sampler's pattern (reads never overlap).
 */
final class HttpPlugSession implements PowerSession {

    private final HttpClient client;
    private final SmartPlug plug;
    private final URI uri;
    private final String device;
    private final Duration timeout;

    private HttpPlugSession(HttpClient client, SmartPlug plug, URI uri, String device, Duration timeout) {
        this.client = client;
        this.plug = plug;
        this.uri = uri;
        this.device = device;
        this.timeout = timeout;
    }

    /**
     * Opens a session after one successful read, so an unreachable or wrong address fails at open
     * with the reason; for plugs with several candidate URLs (Tasmota's Status 10 / Status 8) the
     * first that answers usefully is kept.
     */
    static HttpPlugSession open(SmartPlug plug, URI base, String device, Duration timeout)
            throws PowerSourceException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        PowerSourceException first = null;
        for (URI candidate : plug.candidates(base)) {
            try {
                plug.parse(get(client, candidate, timeout), candidate);
                return new HttpPlugSession(client, plug, candidate, device, timeout);
            } catch (PowerSourceException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw new PowerSourceException("cannot read the " + plug.kind() + " plug at " + base + ": "
                + Objects.requireNonNull(first).getMessage(), first);
    }

    /** The URL read each time. */
    URI uri() {
        return uri;
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        return List.of(plug.parse(get(client, uri, timeout), uri).toReading(device, readTime));
    }

    static JsonNode get(HttpClient client, URI uri, Duration timeout) throws PowerSourceException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
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
        if (response.statusCode() != 200) {
            String body = new String(response.body(), StandardCharsets.UTF_8).strip();
            throw new PowerSourceException(uri + " answered HTTP " + response.statusCode()
                    + (body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body)));
        }
        return Json.parse(response.body(), uri);
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
