package dev.ampwatch.power.wattmeter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server on 127.0.0.1 that answers as a smart plug does: each path-and-query has a
 * canned answer (status and body), set by the test; unknown requests get 404. A {@link #hang}ing
 * answer waits until the server closes, for timeout tests. A {@link #guard} answers for a plug with a password.
 */
final class PlugServer implements AutoCloseable {

    record Answer(int status, String body, boolean hang) {}

    /** A refusal: the status, headers and body a guarded plug answers instead of the canned answer. */
    record Denial(int status, Map<String, List<String>> headers, String body) {}

    /** Checks every request before it is answered (a plug with a password); null lets it through. */
    interface Guard {
        Denial check(HttpExchange exchange);
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Each request's Authorization header ("" when it had none), in order. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Guard guard;
    private final CountDownLatch closing = new CountDownLatch(1);

    PlugServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "plug-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code pathAndQuery} (as sent, e.g. {@code /cm?cmnd=Status%2010}) with 200 and {@code json}. */
    PlugServer json(String pathAndQuery, String json) {
        answers.put(pathAndQuery, new Answer(200, json, false));
        return this;
    }

    PlugServer status(String pathAndQuery, int status, String body) {
        answers.put(pathAndQuery, new Answer(status, body, false));
        return this;
    }

    PlugServer guard(Guard g) {
        this.guard = g;
        return this;
    }

    /**
     * A session of the {@code type} plug at this server through {@link WattmeterSource}, with a 500 ms timeout and
     * {@code more} settings as key, value, ... (later ones win).
     */
    PowerSession open(FakeClock clock, String type, String... more) throws PowerSourceException {
        Map<String, String> settings = new HashMap<>();
        settings.put(WattmeterSource.TYPE, type);
        settings.put(WattmeterSource.URL, base());
        settings.put(WattmeterSource.TIMEOUT_MS, "500");
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return new WattmeterSource(Map.of()).open(new SourceContext("rig-1", clock, settings));
    }

    PlugServer hang(String pathAndQuery) {
        answers.put(pathAndQuery, new Answer(200, "{}", true));
        return this;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String key = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        requests.add(key);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.add(authorization == null ? "" : authorization);
        Guard g = guard;
        Denial denial = g == null ? null : g.check(exchange);
        if (denial != null) {
            denial.headers().forEach((name, values) -> exchange.getResponseHeaders().put(name, values));
            byte[] body = denial.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(denial.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        Answer a = answers.getOrDefault(key, new Answer(404, "not found", false));
        if (a.hang()) {
            try {
                closing.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
