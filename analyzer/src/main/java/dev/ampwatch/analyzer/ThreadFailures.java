package dev.ampwatch.analyzer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Stream-thread failures in a sliding window: Kafka Streams replaces a failed thread, so an analyzer whose
 * threads keep dying on something looks RUNNING while it attributes nothing. {@code /health} reports it
 * DOWN, with the last failure, once {@link #LIMIT} failures fall within {@link #WINDOW}. Thread-safe.
 */
final class ThreadFailures {
    static final int LIMIT = 3;
    static final Duration WINDOW = Duration.ofMinutes(5);

    private final Clock clock;
    private final Deque<Long> times = new ArrayDeque<>();
    private String last;

    ThreadFailures(Clock clock) {
        this.clock = clock;
    }

    /**
     * What to call when a thread of {@code runtime} ({@code direct} or {@code kafka-streams}) fails: counts
     * it in {@code ampwatch_analyzer_thread_failures_total}, registered at 0 here so the first failure is an
     * increase an alert sees, and in the window of {@code /health}.
     */
    Consumer<Throwable> recorder(MeterRegistry registry, String runtime) {
        Counter counter = Counter.builder("ampwatch.analyzer.thread.failures")
                .description("Attribution or statistics threads that failed and were started over (each restarts from the last commit)")
                .tag("runtime", runtime).register(registry);
        return e -> {
            counter.increment();
            failed(e);
        };
    }

    synchronized void failed(Throwable e) {
        times.addLast(clock.millis());
        String message = String.valueOf(e.getMessage());
        last = e.getClass().getSimpleName() + ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
        prune();
    }

    /** Why the analyzer is not healthy, if its threads keep failing. */
    synchronized Optional<String> problem() {
        prune();
        return times.size() >= LIMIT ? Optional.of("attribution or statistics threads failed " + times.size() + " times in the last "
                + WINDOW.toMinutes() + " min; last: " + last) : Optional.empty();
    }

    private void prune() {
        long now = clock.millis();
        while (!times.isEmpty() && now - times.peekFirst() > WINDOW.toMillis()) {
            times.removeFirst();
        }
    }
}
