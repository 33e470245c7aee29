package dev.ampwatch.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The images {@code mvn -Pimages package} builds, checked without Docker: each tarball is unpacked as a
 * runtime would (layers in order, modes kept), its config and files are checked, and, where this user may
 * (root, with mount and PID namespaces), its entrypoint is run as the container would run it: chrooted into
 * the image's root with /proc, /dev and /sys mounted, as the image's user, with only the image's
 * environment. Nothing from this machine's Java or libraries can be borrowed that way: a missing library
 * or module fails the run. The agent samples and publishes to a real broker; the analyzer serves /runs.
 */
class ImageIT {
    static final Path TARGET = Path.of("target");
    static final Pattern RUNNING = Pattern.compile("analyzer running: http://[0-9.]+:(\\d+)/metrics");

    @Test
    void theAgentImageHoldsARuntimeAndTheSlimAgentOnly(@TempDir Path dir) throws Exception {
        ImageTar image = ImageTar.unpack(TARGET.resolve("ampwatch-power-agent-image.tar"), dir);
        checkBase(image);
        assertThat(image.entrypoint()).containsExactly("/opt/java/bin/java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx256m", "-jar", "/app/ampwatch-agent.jar");
        assertThat(image.environment()).containsEntry("AMPWATCH_METRICS_HOST", "0.0.0.0")
                .containsEntry("AMPWATCH_SPOOL_DIR", "/var/lib/ampwatch/spool");
        assertThat(image.config().path("ExposedPorts").has("9465/tcp")).isTrue();
        assertThat(Files.readString(Path.of("..", "deploy", "kubernetes", "power-agent-daemonset.yaml")))
                .as("the DaemonSet runs this image").contains("image: " + image.tag());
        List<String> jars = classPath(image, "/app/ampwatch-agent.jar");
        assertThat(jars).anyMatch(j -> j.startsWith("lib-agent/ampwatch-power-agent"))
                .noneMatch(j -> j.contains("kafka-streams") || j.contains("rocksdbjni") || j.contains("kafka_2.13")
                        || j.contains("scala") || j.contains("jcuda") || j.contains("ampwatch-analyzer"));
    }

    @Test
    void theAnalyzerImageHoldsARuntimeAndTheSlimAnalyzerOnly(@TempDir Path dir) throws Exception {
        ImageTar image = ImageTar.unpack(TARGET.resolve("ampwatch-analyzer-image.tar"), dir);
        checkBase(image);
        assertThat(image.entrypoint()).containsExactly("/opt/java/bin/java", "-XX:MaxRAMPercentage=75", "-jar",
                "/app/ampwatch-analyzer.jar");
        assertThat(image.environment()).containsEntry("AMPWATCH_STATE_DIR", "/var/lib/ampwatch/analyzer");
        assertThat(image.config().path("ExposedPorts").has("9464/tcp")).isTrue();
        assertThat(classPath(image, "/app/ampwatch-analyzer.jar")).anyMatch(j -> j.contains("rocksdbjni"))
                .noneMatch(j -> j.contains("kafka_2.13") || j.contains("scala") || j.contains("jcuda")
                        || j.contains("ampwatch-power-agent") || j.contains("ampwatch-trainer-agent"));
    }

    @Test
    void theAgentImageRunsAndPublishes(@TempDir Path dir) throws Exception {
        ImageTar image = ImageTar.unpack(TARGET.resolve("ampwatch-power-agent-image.tar"), dir);
        assumeContainersCanRunHere(image);
        String prefix = "image-agent-" + System.nanoTime() + ".";
        Process agent = start(image, "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--host", "image-rig", "--sources", "estimate", "--interval", "estimate=200ms", "--metrics-port", "-1",
                "--duration", "4s");
        String output = new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(agent.waitFor(90, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(agent.exitValue()).as(output).isZero();
        assertThat(output).contains("estimate     OPENED").doesNotContain("Exception");
        assertThat(image.file("/var/lib/ampwatch/spool")).as("the spool, written as the image's user").isDirectory();

        Topics topics = Topics.withPrefix(prefix);
        List<PowerSample> samples = new ArrayList<>();
        try (KafkaConsumer<String, PowerSample> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, prefix,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), topics.powerSamples().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.powerSamples().name()));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> samples.add(r.value()));
                assertThat(samples).hasSizeGreaterThanOrEqualTo(5);
            });
        }
        assertThat(samples).allSatisfy(s -> assertThat(s.getHost()).isEqualTo("image-rig"));
    }

    @Test
    void theAnalyzerImageRunsAndServes(@TempDir Path dir) throws Exception {
        ImageTar image = ImageTar.unpack(TARGET.resolve("ampwatch-analyzer-image.tar"), dir);
        assumeContainersCanRunHere(image);
        String id = "image-analyzer-" + System.nanoTime();
        Process analyzer = start(image, "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", id + ".",
                "--application-id", id, "--metrics-port", "0");
        AtomicReference<String> port = new AtomicReference<>();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(analyzer.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    Matcher m = RUNNING.matcher(line);
                    if (m.find()) {
                        port.set(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process was stopped
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> port.get() != null || !analyzer.isAlive());
            synchronized (output) {
                assertThat(port.get()).as(output.toString()).isNotNull();
            }
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> { // 503 while its statistics app joins its group
                HttpResponse<String> runs = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.get() + "/runs"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(runs.statusCode()).as(runs.body()).isEqualTo(200);
            });
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.get() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("ampwatch_analyzer_thread_failures_total");
            try (Stream<Path> state = Files.list(image.file("/var/lib/ampwatch/analyzer"))) {
                assertThat(state).as("Kafka Streams' state (RocksDB), written as the image's user").isNotEmpty();
            }
        } finally {
            stop(analyzer);
            reader.join();
        }
        synchronized (output) {
            assertThat(output.toString()).doesNotContain("NoClassDefFoundError", "UnsatisfiedLinkError", "ClassNotFoundException");
        }
    }

    /** What every image needs: a runtime, its loader, a writable /tmp and data directory, a user that is not root. */
    private static void checkBase(ImageTar image) throws IOException {
        assertThat(image.config().path("User").asText()).isEqualTo("65532:65532");
        assertThat(image.config().path("WorkingDir").asText()).isEqualTo("/var/lib/ampwatch");
        assertThat(Files.getPosixFilePermissions(image.file("/opt/java/bin/java"))).contains(PosixFilePermission.OTHERS_EXECUTE);
        assertThat(image.file("/opt/java/lib/server/libjvm.so")).isRegularFile();
        assertThat(image.file("/lib64/ld-linux-x86-64.so.2")).isRegularFile();
        assertThat(image.file("/lib/x86_64-linux-gnu/libc.so.6")).isRegularFile();
        assertThat(image.file("/lib/x86_64-linux-gnu/libstdc++.so.6")).as("RocksDB's and snappy's natives need it").isRegularFile();
        for (String writable : List.of("/tmp", "/var/lib/ampwatch")) {
            assertThat(Files.getPosixFilePermissions(image.file(writable))).as(writable).contains(PosixFilePermission.OTHERS_WRITE);
        }
        assertThat(Files.readString(image.file("/etc/passwd"))).contains("nonroot:x:65532:65532:");
        assertThat(image.file("/opt/java/lib/libawt_xawt.so")).as("no GUI natives").doesNotExist();
    }

    /** The entries of a jar's manifest Class-Path, each checked to be in the image beside it. */
    private static List<String> classPath(ImageTar image, String jar) throws IOException {
        Path file = image.file(jar);
        List<String> entries;
        try (JarFile j = new JarFile(file.toFile())) {
            entries = List.of(j.getManifest().getMainAttributes().getValue("Class-Path").trim().split("\\s+"));
        }
        Set<String> present;
        try (Stream<Path> s = Files.list(file.getParent().resolve(entries.get(0)).getParent())) {
            present = new TreeSet<>(s.map(p -> file.getParent().relativize(p).toString()).toList());
        }
        assertThat(present).as("every jar in the image is on the class path").isSubsetOf(entries);
        return List.copyOf(present);
    }

    /**
     * Running an image without a container engine needs root (chroot, mounts) and mount and PID namespaces;
     * elsewhere the run is skipped and the image is only checked by the tests above.
     */
    private static void assumeContainersCanRunHere(ImageTar image) throws InterruptedException {
        String reason;
        try {
            ImageTar.run(image.root(), "unshare", "--mount", "--pid", "--fork", "--propagation", "private", "true");
            String uid = ImageTar.run(image.root(), "id", "-u").strip();
            reason = "0".equals(uid) ? null : "not root (uid " + uid + "): chroot and mounts need root";
        } catch (IOException e) {
            reason = "no mount and PID namespaces here (" + e.getMessage().strip() + ")";
        }
        String why = reason;
        Assumptions.assumeTrue(why == null, () -> "the image is not run: " + why);
    }

    /**
     * Stops a container as a runtime would: SIGTERM to its process (unshare, in front of it, ignores
     * SIGTERM while it waits for its child), then SIGKILL after a grace period.
     */
    private static void stop(Process container) throws InterruptedException {
        container.descendants().forEach(ProcessHandle::destroy);
        if (!container.waitFor(60, TimeUnit.SECONDS)) {
            container.descendants().forEach(ProcessHandle::destroyForcibly);
            container.destroyForcibly();
            container.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The image's entrypoint with {@code args}, as a runtime starts it; stdout and stderr together. */
    private static Process start(ImageTar image, String... args) throws IOException {
        Path root = image.root();
        for (String mount : List.of("proc", "dev", "sys")) {
            Files.createDirectories(root.resolve(mount));
        }
        String user = image.config().path("User").asText();
        StringBuilder command = new StringBuilder("mount -t proc proc '" + root + "/proc' && mount --rbind /dev '" + root
                + "/dev' && mount --rbind /sys '" + root + "/sys' && cd / && exec chroot --userspec=" + user + " '" + root + "'");
        for (String a : image.entrypoint()) {
            command.append(" '").append(a).append('\'');
        }
        for (String a : args) {
            command.append(" '").append(a).append('\'');
        }
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "--propagation", "private",
                "--kill-child=SIGTERM", "sh", "-c", command.toString()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"); // for unshare, sh and chroot, outside the image
        pb.environment().putAll(image.environment());
        return pb.start();
    }
}
