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

    public HttpApi route(String prefix, Handler handler) {
        server.createContext(prefix, exchange -> serve(exchange, handler));
        return this;
    }

    private static void serve(HttpExchange exchange, Handler handler) throws IOException {
        Response response;
        URI uri = exchange.getRequestURI();
        try {
            if (!"GET".equals(exchange.getRequestMethod())) {
                response = Response.text(405, "only GET\n");
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
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public void start() {
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
