package dev.ampwatch.analyzer.accuracy;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An offline reference for docs/energy.md, written without any of the analyzer's energy code: it sees
 * every reading of every device at once, sorted, and the final run and epoch intervals, and computes
 * per run (and per epoch) the gross energy of each device and the run's total.
 *
 * <p>For each interval between consecutive readings of a device it fixes the power line (a counter
 * delta or a matching window average is constant power, otherwise the straight line between the two
 * power readings), cuts the interval at every run and epoch boundary inside it, and gives each piece
 * to the runs active in it that may use the device, evenly. A piece is a straight line, so its energy
 * is the exact trapezoid of its end points.
 */
public final class ReferenceIntegrator {
    /** One reading of a device: power, a counter, or both. Times are microseconds. */
    public record Reading(long tUs, Double watts, PowerKind kind, Integer windowMs, Long energyUj, Long rangeUj) {
        public static Reading power(long tUs, double watts) {
            return new Reading(tUs, watts, PowerKind.INSTANT, null, null, null);
        }

        public static Reading windowAverage(long tUs, double watts, int windowMs) {
            return new Reading(tUs, watts, PowerKind.WINDOW_AVERAGE, windowMs, null, null);
        }

        public static Reading counter(long tUs, long energyUj, Long rangeUj) {
            return new Reading(tUs, null, PowerKind.UNKNOWN, null, energyUj, rangeUj);
        }
    }

    /** All readings of one device, in time order. */
    public record DeviceTrace(Component component, String device, List<Reading> readings) {
        public String key() {
            return component.name() + "/" + device;
        }
    }

    /** A run as it finally was: [startUs, endUs), the GPUs it lists, and its epochs as [start, end) pairs. */
    public record RunSpec(String id, long startUs, long endUs, Set<String> gpus, List<long[]> epochs) {
        boolean activeAt(double t) {
            return startUs <= t && t < endUs;
        }

        boolean mayUse(DeviceTrace d) {
            return d.component() != Component.GPU || gpus.contains(d.device());
        }
    }

    /** What the reference finds for one run. */
    public static final class RunResult {
        public final Map<String, Double> joulesByDevice = new LinkedHashMap<>();
        public final Set<Component> measured = EnumSet.noneOf(Component.class);
        public final List<Map<String, Double>> epochJoulesByDevice = new ArrayList<>();
        public int gaps;
        public double gapSeconds;
        public int counterResets;

        /** The run's total: only the outermost components measured count. */
        public double total() {
            return totalOf(joulesByDevice);
        }

        public double epochTotal(int index) {
            return totalOf(epochJoulesByDevice.get(index));
        }

        private double totalOf(Map<String, Double> byDevice) {
            double sum = 0;
            for (Map.Entry<String, Double> e : byDevice.entrySet()) {
                Component c = Component.valueOf(e.getKey().substring(0, e.getKey().indexOf('/')));
                if (outermost(c, measured)) {
                    sum += e.getValue();
                }
            }
            return sum;
        }
    }

    private final long maxGapUs;

    public ReferenceIntegrator(long maxGapUs) {
        this.maxGapUs = maxGapUs;
    }

    /** Whether {@code outer} physically contains {@code inner} (docs/energy.md, "Totals count each joule once"). */
    static boolean contains(Component outer, Component inner) {
        if (outer == inner) {
            return false;
        }
        return switch (outer) {
            case WALL -> true;
            case PSYS -> inner == Component.CPU_PACKAGE || inner == Component.DRAM
                    || inner == Component.CPU_CORE || inner == Component.CPU_UNCORE;
            case CPU_PACKAGE -> inner == Component.CPU_CORE || inner == Component.CPU_UNCORE;
            default -> false;
        };
    }

    static boolean outermost(Component c, Set<Component> measured) {
        for (Component other : measured) {
            if (contains(other, c)) {
                return false;
            }
        }
        return true;
    }

    public Map<String, RunResult> integrate(List<DeviceTrace> devices, List<RunSpec> runs) {
        Map<String, RunResult> results = new LinkedHashMap<>();
        for (RunSpec run : runs) {
            RunResult r = new RunResult();
            for (int i = 0; i < run.epochs().size(); i++) {
                r.epochJoulesByDevice.add(new LinkedHashMap<>());
            }
            results.put(run.id(), r);
        }
        for (DeviceTrace device : devices) {
            List<Reading> rs = device.readings();
            Long knownRange = null;
            if (!rs.isEmpty() && rs.get(0).rangeUj() != null) {
                knownRange = rs.get(0).rangeUj();
            }
            for (int i = 1; i < rs.size(); i++) {
                Reading r0 = rs.get(i - 1);
                Reading r1 = rs.get(i);
                if (r1.rangeUj() != null) {
                    knownRange = r1.rangeUj();
                }
                interval(device, r0, r1, knownRange, runs, results);
            }
        }
        return results;
    }

    /** Power at both ends by the power rules: a window average spanning the interval, else the two readings; null: none. */
    private static double[] byPower(Reading r0, Reading r1, long intervalUs) {
        if (r1.watts() != null && r1.kind() == PowerKind.WINDOW_AVERAGE && r1.windowMs() != null
                && Math.abs(r1.windowMs() * 1000L - intervalUs) <= 1000) {
            return new double[] {r1.watts(), r1.watts()};
        }
        return r0.watts() != null && r1.watts() != null ? new double[] {r0.watts(), r1.watts()} : null;
    }

    private void interval(DeviceTrace device, Reading r0, Reading r1, Long knownRange, List<RunSpec> runs,
                          Map<String, RunResult> results) {
        long t0 = r0.tUs();
        long t1 = r1.tUs();
        if (t1 <= t0) {
            throw new IllegalArgumentException("readings of " + device.key() + " not strictly increasing at " + t1);
        }
        double seconds = (t1 - t0) / 1e6;
        if (t1 - t0 > maxGapUs) {
            for (RunSpec run : runs) {
                long overlap = Math.min(t1, run.endUs()) - Math.max(t0, run.startUs());
                if (overlap > 0 && run.mayUse(device)) {
                    results.get(run.id()).gaps++;
                    results.get(run.id()).gapSeconds += overlap / 1e6;
                }
            }
            return;
        }
        double[] p; // the power at t0 and at t1
        if (r0.energyUj() != null && r1.energyUj() != null) {
            long delta = r1.energyUj() - r0.energyUj();
            if (delta < 0 && knownRange != null) {
                delta += knownRange;
                if (delta / 1e6 / seconds > 10_000) { // no wrap: more than any ranged device draws
                    delta = -1;
                }
            } else if (delta / 1e6 / seconds > 20_000) { // a step forward no device draws: a glitch, as a reset
                delta = -1;
            }
            if (delta < 0) { // a reset: counted in the runs it overlaps; integrated by power if both readings have one
                for (RunSpec run : runs) {
                    long overlap = Math.min(t1, run.endUs()) - Math.max(t0, run.startUs());
                    if (overlap > 0 && run.mayUse(device)) {
                        results.get(run.id()).counterResets++;
                    }
                }
                p = byPower(r0, r1, t1 - t0);
            } else {
                p = new double[] {delta / 1e6 / seconds, delta / 1e6 / seconds};
            }
        } else {
            p = byPower(r0, r1, t1 - t0);
        }
        if (p == null) {
            return;
        }
        double p0 = p[0];
        double p1 = p[1];

        TreeSet<Long> cuts = new TreeSet<>(List.of(t0, t1));
        for (RunSpec run : runs) {
            cut(cuts, t0, t1, run.startUs());
            cut(cuts, t0, t1, run.endUs());
            for (long[] e : run.epochs()) {
                cut(cuts, t0, t1, e[0]);
                cut(cuts, t0, t1, e[1]);
            }
        }
        List<Long> points = new ArrayList<>(cuts);
        for (int k = 1; k < points.size(); k++) {
            long a = points.get(k - 1);
            long b = points.get(k);
            double mid = (a + b) / 2.0;
            double pa = p0 + (p1 - p0) * (a - t0) / (t1 - t0);
            double pb = p0 + (p1 - p0) * (b - t0) / (t1 - t0);
            double joules = (pa + pb) / 2 * ((b - a) / 1e6);
            List<RunSpec> sharing = new ArrayList<>();
            for (RunSpec run : runs) {
                if (run.activeAt(mid) && run.mayUse(device)) {
                    sharing.add(run);
                }
            }
            for (RunSpec run : sharing) {
                double share = joules / sharing.size();
                RunResult result = results.get(run.id());
                result.measured.add(device.component());
                result.joulesByDevice.merge(device.key(), share, Double::sum);
                for (int e = 0; e < run.epochs().size(); e++) {
                    long[] epoch = run.epochs().get(e);
                    if (epoch[0] <= mid && mid < epoch[1]) {
                        result.epochJoulesByDevice.get(e).merge(device.key(), share, Double::sum);
                    }
                }
            }
        }
    }

    private static void cut(TreeSet<Long> cuts, long t0, long t1, long t) {
        if (t > t0 && t < t1) {
            cuts.add(t);
        }
    }
}
