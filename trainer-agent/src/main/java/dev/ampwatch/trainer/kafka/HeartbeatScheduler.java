package dev.ampwatch.trainer.kafka;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link KafkaTrainingPublisher}'s heartbeat every interval while a run is open. The publisher
 * owns its scheduler and closes it. Tests pass one they tick by hand, so no test waits for time to pass.
 * Implementations are thread-safe.
 */
public interface HeartbeatScheduler extends AutoCloseable {
    /** Name of the thread of {@link #daemon()}, as thread dumps show it. */
    String THREAD_NAME = "ampwatch-training-heartbeat";

    /** A repeated task; {@link #cancel()} stops it (a tick already running finishes). */
    @FunctionalInterface
    interface Repeating {
        void cancel();
    }

    /** Calls {@code tick} every {@code interval}, the first time one interval from now, until cancelled. */
    Repeating every(Duration interval, Runnable tick);

    /** Cancels everything; after it, {@link #every} is not called again. */
    @Override
    void close();

    /**
     * One daemon thread named {@link #THREAD_NAME}: a heartbeat must never keep a JVM alive whose
     * training is over. Fixed delay rather than fixed rate, so a stalled JVM (GC, suspend) does not
     * send a burst of catch-up heartbeats afterwards.
     */
    static HeartbeatScheduler daemon() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return new HeartbeatScheduler() {
            @Override
            public Repeating every(Duration interval, Runnable tick) {
                long nanos = interval.toNanos();
                ScheduledFuture<?> f = executor.scheduleWithFixedDelay(tick, nanos, nanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
