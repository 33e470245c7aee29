package dev.ampwatch.power;

import java.time.Instant;
import java.util.List;

/**
 * An open source, read repeatedly by the sampler and closed once.
 *
 * <p>Thread-safety: the sampler calls {@link #read(Instant)} from one thread at a time (reads of
 * one session never overlap) and calls {@link #close()} after the last read has returned.
 * Implementations need no locking of their own for that pattern.
 */
public interface PowerSession extends AutoCloseable {

    /**
     * Reads every device of this source once.
     *
     * @param readTime the instant the sampler took from its clock just before the read; the
     *     usual {@link PowerReading#eventTime()}, unless the device timestamps its own readings
     * @return the readings (possibly empty, e.g. when no time has passed since the last read)
     * @throws PowerSourceException when this read failed; the sampler counts and logs it and
     *     reads again at the next tick
     */
    List<PowerReading> read(Instant readTime) throws PowerSourceException;

    /** Releases the device (library handles, file descriptors). Must not throw for a second call. */
    @Override
    void close() throws PowerSourceException;
}
