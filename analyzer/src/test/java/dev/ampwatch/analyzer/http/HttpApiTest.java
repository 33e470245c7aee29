package dev.ampwatch.analyzer.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.analyzer.http.HttpApi.BadRequest;
import dev.ampwatch.analyzer.http.HttpApi.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP answers: valid JSON whatever a string holds, 400 for bad parameters, no exception text, nosniff. */
class HttpApiTest {
    final HttpApi api = HttpApi.bind("127.0.0.1", 0);
    final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        api.close();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anErrorMessageIsValidJsonWhateverItHolds() throws Exception {
        String nasty = "run\r\t\u2028\u0000\"\\<script>";
        api.route("/x", (path, query) -> Response.error(404, nasty)).start();
        HttpResponse<String> r = get("/x");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new ObjectMapper().readTree(r.body()).get("error").asText()).isEqualTo(nasty);
        assertThat(r.body()).doesNotContain("\u2028").doesNotContain("\r");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void aBadParameterIs400WithTheHandlersWordsAndAFailureIs500WithoutTheExceptionText() throws Exception {
        api.route("/bad", (path, query) -> {
            throw new BadRequest("limit must be a whole number of at least 1");
        }).route("/boom", (path, query) -> {
            throw new IllegalStateException("secret internal detail at /var/lib/x");
        }).start();
        HttpResponse<String> bad = get("/bad?limit=abc");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("limit must be a whole number");
        HttpResponse<String> boom = get("/boom");
        assertThat(boom.statusCode()).isEqualTo(500);
        assertThat(boom.body()).doesNotContain("secret").doesNotContain("Exception");
    }

    /** Found by a user review: the JDK server matches by prefix, answered unknown paths in HTML and refused HEAD. */
    @Test
    void unknownPathsAre404InJsonWithTheHeadersAndHeadAnswersAsGetWithoutABody() throws Exception {
        api.route("/metrics", (path, query) -> Response.text(200, "m 1\n"))
                .routeWithIds("/runs", (path, query) -> Response.text(200, "runs " + path + "\n")).start();
        for (String path : new String[] {"/nope", "/metrics/x", "/runsabc", "/"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(new ObjectMapper().readTree(r.body()).get("error").asText()).doesNotContain(path.length() > 1 ? path.substring(1) : "~")
                    .contains("/metrics, /runs, /runs/{id}");
        }
        assertThat(get("/runs").body()).isEqualTo("runs /runs\n");
        assertThat(get("/runs/r-1").body()).isEqualTo("runs /runs/r-1\n");
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/metrics"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
