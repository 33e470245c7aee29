package dev.ampwatch.trainer.kafka;

import java.time.Duration;

/** A {@link HeartbeatScheduler} the test ticks by hand: no thread, no waiting. */
final class ManualHeartbeats implements HeartbeatScheduler {
    private Runnable task;
    private Duration interval;
    private int started;
    private boolean closed;

    @Override
    public Repeating every(Duration newInterval, Runnable tick) {
        interval = newInterval;
        task = tick;
        started++;
        return () -> task = null;
    }

    @Override
    public void close() {
        closed = true;
        task = null;
    }

    /** Runs the scheduled task once, as the scheduler would after an interval; nothing if none is scheduled. */
    void tick() {
        if (task != null) {
            task.run();
        }
    }

    boolean running() {
        return task != null;
    }

    Duration interval() {
        return interval;
    }

    /** How many times a task was scheduled. */
    int started() {
        return started;
    }

    boolean closed() {
        return closed;
    }
}
