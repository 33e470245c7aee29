package dev.ampwatch.power.estimate;

/**
 * A linear power model for hosts without measured power. Immutable and thread-safe.
 *
 * <p>CPU package power in watts: {@code idle + (tdp - idle) * utilization} with {@code idle =
 * tdp * idleFraction}. TDP is the thermal design power of all CPU packages together (default 65 W,
 * a common desktop part); the idle fraction (default 0.3) is the share of TDP drawn at 0 %
 * utilization, an assumption to override when the hardware is known. Real packages can exceed
 * TDP under turbo, so this is a modelled value, published as SourceType.ESTIMATE.
 *
 * <p>DRAM power in watts: {@code wattsPerGib * installed GiB}, independent of load. The default
 * 0.375 W/GiB is the common "3 W per 8 GB" rule of thumb (used e.g. by CodeCarbon; the Green
 * Algorithms calculator uses a similar 0.3725 W/GB).
 *
 * @param cpuTdpWatts thermal design power of all CPU packages, watts (> 0)
 * @param cpuIdleFraction fraction of TDP drawn at 0 % utilization (0 to 1)
 * @param dramWattsPerGib DRAM power per GiB installed, watts (>= 0)
 */
public record EstimateModel(double cpuTdpWatts, double cpuIdleFraction, double dramWattsPerGib) {

    public static final double DEFAULT_CPU_TDP_WATTS = 65.0;
    public static final double DEFAULT_CPU_IDLE_FRACTION = 0.3;
    public static final double DEFAULT_DRAM_WATTS_PER_GIB = 0.375;
    private static final double BYTES_PER_GIB = 1024.0 * 1024.0 * 1024.0;

    public EstimateModel {
        if (!(Double.isFinite(cpuTdpWatts) && cpuTdpWatts > 0)) {
            throw new IllegalArgumentException("cpu TDP watts must be > 0: " + cpuTdpWatts);
        }
        if (!(cpuIdleFraction >= 0 && cpuIdleFraction <= 1)) {
            throw new IllegalArgumentException("cpu idle fraction must be in [0, 1]: " + cpuIdleFraction);
        }
        if (!(Double.isFinite(dramWattsPerGib) && dramWattsPerGib >= 0)) {
            throw new IllegalArgumentException("DRAM watts per GiB must be >= 0: " + dramWattsPerGib);
        }
    }

    public static EstimateModel defaults() {
        return new EstimateModel(DEFAULT_CPU_TDP_WATTS, DEFAULT_CPU_IDLE_FRACTION,
                DEFAULT_DRAM_WATTS_PER_GIB);
    }

    /**
     * CPU package power in watts at {@code utilization} (0 to 1; out-of-range and NaN inputs,
     * as OSHI returns on a first or failed sample, are clamped, NaN to 0).
     */
    public double cpuWatts(double utilization) {
        double u = Double.isNaN(utilization) ? 0 : Math.max(0, Math.min(1, utilization));
        double idle = cpuTdpWatts * cpuIdleFraction;
        return idle + (cpuTdpWatts - idle) * u;
    }

    /** DRAM power in watts for {@code totalMemoryBytes} installed (negative counts as 0). */
    public double dramWatts(long totalMemoryBytes) {
        return dramWattsPerGib * Math.max(0, totalMemoryBytes) / BYTES_PER_GIB;
    }
}
