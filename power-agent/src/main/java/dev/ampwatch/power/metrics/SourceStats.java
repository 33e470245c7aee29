package dev.ampwatch.power.metrics;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/** Counters of one source, updated by samplers and the publisher. Thread-safe. */
public final class SourceStats {

    private final String source;
    private final LongAdder samplesRead = new LongAdder();
    private final LongAdder readsFailed = new LongAdder();
    private final LongAdder samplesPublished = new LongAdder();
    private final LongAdder sendsFailed = new LongAdder();
    private final LongAdder samplesDropped = new LongAdder();
    private final AtomicReference<Instant> lastSampleTime = new AtomicReference<>();
    /** Per device: the event time of its newest sample. */
    private final ConcurrentHashMap<String, AtomicReference<Instant>> lastDeviceSample = new ConcurrentHashMap<>();
    private BiConsumer<String, AtomicReference<Instant>> onNewDevice = (device, last) -> { }; // guarded by this

    SourceStats(String source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    public String source() {
        return source;
    }

    /** {@code count} samples were read, the newest with event time {@code eventTime}. */
    public void read(int count, Instant eventTime) {
        samplesRead.add(count);
        lastSampleTime.accumulateAndGet(eventTime,
                (prev, next) -> prev == null || next.isAfter(prev) ? next : prev);
    }

    /**
     * A sample of {@code device} with event time {@code eventTime} was read: a device that stops being read (a RAPL zone
     * whose counter fails, one GPU of several) shows by its own age, while the source's newest sample stays fresh.
     */
    public void deviceRead(String device, Instant eventTime) {
        AtomicReference<Instant> last = lastDeviceSample.get(device);
        if (last == null) {
            synchronized (this) { // with onNewDevice: a device first read while the meters are bound is registered once
                last = lastDeviceSample.computeIfAbsent(device, d -> {
                    AtomicReference<Instant> created = new AtomicReference<>();
                    onNewDevice.accept(d, created);
                    return created;
                });
            }
        }
        last.accumulateAndGet(eventTime, (prev, next) -> prev == null || next.isAfter(prev) ? next : prev);
    }

    /** Called with each device read from now on, and at once with those read so far (meters registered on the go). */
    synchronized void onNewDevice(BiConsumer<String, AtomicReference<Instant>> listener) {
        this.onNewDevice = Objects.requireNonNull(listener, "listener");
        lastDeviceSample.forEach(listener);
    }

    public void readFailed() {
        readsFailed.increment();
    }

    public void published() {
        samplesPublished.increment();
    }

    public void sendFailed() {
        sendsFailed.increment();
    }

    public void dropped() {
        samplesDropped.increment();
    }

    public long samplesRead() {
        return samplesRead.sum();
    }

    public long readsFailed() {
        return readsFailed.sum();
    }

    public long samplesPublished() {
        return samplesPublished.sum();
    }

    public long sendsFailed() {
        return sendsFailed.sum();
    }

    public long samplesDropped() {
        return samplesDropped.sum();
    }

    /** Event time of the newest sample read, if any. */
    public Optional<Instant> lastSampleTime() {
        return Optional.ofNullable(lastSampleTime.get());
    }
}
