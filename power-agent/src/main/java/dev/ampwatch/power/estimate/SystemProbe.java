package dev.ampwatch.power.estimate;

/**
 * The host facts the estimate needs, behind an interface so that tests are deterministic.
 * Production uses {@link OshiSystemProbe}. Not required to be thread-safe: one estimate session
 * calls it from one thread at a time.
 */
public interface SystemProbe extends AutoCloseable {

    /**
     * Fraction of total CPU capacity busy (all logical CPUs), 0.0 to 1.0, since the previous call
     * (the first call: since the probe was created).
     */
    double cpuUtilizationSinceLastCall();

    /** Installed physical memory in bytes. */
    long totalMemoryBytes();

    @Override
    default void close() {}
}
