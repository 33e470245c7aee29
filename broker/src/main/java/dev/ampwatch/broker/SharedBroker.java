package dev.ampwatch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One in-process broker shared by every integration test in a JVM: started on first use in a fresh
 * temporary directory, stopped (and its directory deleted) when the JVM exits. Tests isolate themselves by topic names.
 */
public final class SharedBroker {
    private SharedBroker() {}

    public static String bootstrapServers() {
        return Holder.BROKER.bootstrapServers();
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is not worth failing a test run for
        }
    }

    private static final class Holder {
        static final InProcessBroker BROKER = startShared();

        private static InProcessBroker startShared() {
            try {
                Path dir = Files.createTempDirectory("ampwatch-test-broker");
                InProcessBroker broker = InProcessBroker.start(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    broker.close();
                    deleteQuietly(dir);
                }, "shared-broker-shutdown"));
                return broker;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for the test broker", e);
            }
        }
    }
}
