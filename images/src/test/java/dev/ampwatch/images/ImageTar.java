package dev.ampwatch.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An image tarball as {@code jib:buildTar} writes it ({@code docker load} format: {@code manifest.json},
 * the config, one gzipped tar per layer), unpacked the way a container runtime lays out its root
 * filesystem: the layers extracted in order, modes kept.
 */
record ImageTar(Path root, JsonNode config, List<String> layers, String tag) {

    static ImageTar unpack(Path tar, Path into) throws IOException, InterruptedException {
        Path blobs = Files.createDirectories(into.resolve("blobs"));
        Path root = Files.createDirectories(into.resolve("root"));
        run(blobs, "tar", "-xf", tar.toAbsolutePath().toString());
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(blobs.resolve("manifest.json").toFile()).get(0);
        List<String> layers = new ArrayList<>();
        manifest.get("Layers").forEach(l -> layers.add(l.asText()));
        for (String layer : layers) {
            run(root, "tar", "--warning=no-unknown-keyword", "-xzpf", blobs.resolve(layer).toString());
        }
        JsonNode config = json.readTree(blobs.resolve(manifest.get("Config").asText()).toFile()).get("config");
        return new ImageTar(root, config, layers, manifest.path("RepoTags").path(0).asText());
    }

    List<String> entrypoint() {
        List<String> out = new ArrayList<>();
        config.get("Entrypoint").forEach(a -> out.add(a.asText()));
        return out;
    }

    Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>();
        config.path("Env").forEach(e -> {
            String[] kv = e.asText().split("=", 2);
            env.put(kv[0], kv[1]);
        });
        return env;
    }

    /** A path inside the image. */
    Path file(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
