package dev.ampwatch.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a command running until Ctrl-C (or SIGTERM) or until a duration has passed. On Ctrl-C the
 * shutdown hook waits (up to 30 s, or the wait given) for the command to close what it started, so child processes and
 * transactions end cleanly instead of being cut off by the JVM's exit.
 */
final class Lifetime {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    Lifetime() {
        this(Duration.ofSeconds(30));
    }

    /** @param closeWait how long the JVM's exit on Ctrl-C waits for {@link #closed()} at most */
    Lifetime(Duration closeWait) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                closed.await(closeWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ampwatch-stop"));
    }

    /** Blocks until stopped or {@code duration} passed; null means until Ctrl-C. Returns true if stopped. */
    boolean await(Duration duration) throws InterruptedException {
        if (duration == null) {
            stop.await();
            return true;
        }
        return stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean stopped() {
        return stop.getCount() == 0;
    }

    /** Tells a waiting shutdown hook that everything is closed. */
    void closed() {
        closed.countDown();
    }
}
