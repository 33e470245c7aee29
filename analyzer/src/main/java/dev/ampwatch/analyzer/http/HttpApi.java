package dev.ampwatch.analyzer.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's HTTP endpoint: {@code /metrics}, {@code /health}, {@code /runs}. Bound before Kafka
 * Streams starts, so its address can be advertised to other instances ({@code application.server}).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** An HTTP answer. */
    public record Response(int status, String contentType, String body) {
        public static Response json(int status, String body) {
            return new Response(status, "application/json", body);
        }

        public static Response text(int status, String body) {
            return new Response(status, "text/plain; charset=utf-8", body);
        }

        /** {@code {"error": message}}, escaped by Jackson (control characters, U+2028 and all). */
        public static Response error(int status, String message) {
            try {
                return json(status, JSON.writeValueAsString(java.util.Map.of("error", message)) + "\n");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write an error message as JSON", e);
            }
        }
    }

    /** A request the handler cannot answer as asked: 400 with this message (written for the caller). */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.core.JsonGenerator.Feature.ESCAPE_NON_ASCII, true);

    /** Answers one request; {@code path} is the request path, {@code query} the raw query or null. */
    @FunctionalInterface
    public interface Handler {
        Response handle(String path, String query) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor;
    /** What is served, for the 404's message. */
    private final java.util.List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();

    private HttpApi(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code host:port} (0 picks a free port). Nothing is served until {@link #start()}. */
    public static HttpApi bind(String host, int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "analyzer-http");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            return new HttpApi(server, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); choose another --http-port", e);
        }
    }

    /**
     * Serves {@code path} itself and, where it ends with {@code /}, what is below it; anything else that starts the
     * same (the JDK server matches contexts by prefix: {@code /metrics/x}, {@code /runsabc}) is a 404, as is every
     * path no route has.
     */
    public HttpApi route(String path, Handler handler) {
        paths.add(path.endsWith("/") ? path + "{id}" : path);
        server.createContext(path, exchange -> serve(exchange, (p, q) -> p.equals(path) || path.endsWith("/") && p.startsWith(path)
                ? handler.handle(p, q) : notFound(p)));
        return this;
    }

    /** Routes whose path may continue below them: {@code /runs} and {@code /runs/{id}}. */
    public HttpApi routeWithIds(String path, Handler handler) {
        paths.add(path);
        paths.add(path + "/{id}");
        server.createContext(path, exchange -> serve(exchange, (p, q) -> p.equals(path) || p.startsWith(path + "/")
                ? handler.handle(p, q) : notFound(p)));
        return this;
    }

    private Response notFound(String path) {
        return Response.error(404, "nothing is served there (the path is not echoed); the analyzer serves " + String.join(", ", paths));
    }

    private static void serve(HttpExchange exchange, Handler handler) throws IOException {
        Response response;
        URI uri = exchange.getRequestURI();
        String method = exchange.getRequestMethod();
        boolean head = "HEAD".equals(method);
        try {
            if (!"GET".equals(method) && !head) {
                response = Response.error(405, "only GET and HEAD");
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            } else {
                response = handler.handle(uri.getPath(), uri.getRawQuery());
            }
        } catch (BadRequest e) {
            response = Response.error(400, e.getMessage());
        } catch (Exception e) { // the details go to the log, not to whoever asked
            LOG.warn("GET {} failed", uri, e);
            response = Response.error(500, "internal error; the analyzer's log has the details");
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (head) { // what GET would answer, without the body
            exchange.sendResponseHeaders(response.status(), -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public void start() {
        server.createContext("/", exchange -> serve(exchange, (p, q) -> notFound(p)));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
