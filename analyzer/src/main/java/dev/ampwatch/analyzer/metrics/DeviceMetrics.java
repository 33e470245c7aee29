package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.analyzer.LiveDevice;
import dev.ampwatch.analyzer.energy.Nesting;
import dev.ampwatch.schema.Component;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live power per host, component and device, from the analyzer's attributed stream (event time): what a
 * rig draws now, the energy measured on each device, how much of it went to runs, and each device's idle
 * baseline. Series exist for the devices that reported within the max gap of their host's attributed time,
 * and all of a host's go when it has reported nothing for the retention. Counters only grow: after a restart the stream thread redoes what was not committed, and
 * a value it reports again lower is ignored until it passes the last one (the totals come from the
 * committed state, so they are exactly-once; the counter never dips into a false reset). Thread-safe.
 */
public final class DeviceMetrics {
    private final MeterRegistry registry;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    /**
     * The live power gauge is the device's mean power over this much of its latest attributed time (its energy over the
     * time), not over its latest interval: one 0.1 s interval read 70-141 W for a steady 95 W, and a counter that steps
     * every 100 ms read every 50 ms alternated 0 W and 202 W for a steady 100 W (an operator review, 2026-12-02).
     */
    static final double POWER_WINDOW_SECONDS = 5;

    private static final class Device {
        volatile double watts = Double.NaN;
        /** (attributed until s, energy J) of the latest reports, the oldest at least POWER_WINDOW_SECONDS back when known. */
        final java.util.ArrayDeque<double[]> history = new java.util.ArrayDeque<>();
        volatile double joules;
        volatile double runJoules;
        volatile double idleWatts = Double.NaN;
        final List<Meter> meters = new ArrayList<>();
        boolean idleRegistered;
        volatile double inHostTotal = 1;
    }

    private static final class Host {
        final String name;
        volatile double attributedUntilSeconds = Double.NaN;
        /** The newest event time received from the host, as of its last progress; NaN until told. */
        volatile double receivedUntilSeconds = Double.NaN;
        /** When (analyzer clock) this instance saw the attributed time move; -1 until it has. */
        volatile long reportedAtMs = -1;
        /** When (analyzer clock) the host was last updated here (registered, or its attributed time told): for retiring. */
        volatile long updatedAtMs;
        boolean reportedRegistered;
        boolean receivedRegistered;

        Host(String name) {
            this.name = name;
        }
        final Map<String, Device> devices = new ConcurrentHashMap<>();
        final List<Meter> meters = new ArrayList<>();
    }

    public DeviceMetrics(MeterRegistry registry, Duration retention, Clock clock) {
        this.registry = registry;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * The newest event time received from {@code host} as of its progress just told ({@link #update}): a host whose
     * received time is not above its attributed time has everything it sent attributed (it went quiet), so its growing
     * {@code time() - attributed} is its silence, not the analyzer's lag (an operator review read it as lag).
     */
    public void received(String host, long receivedUntilUs) {
        Host h = hosts.get(host);
        if (h == null || receivedUntilUs == Long.MIN_VALUE) {
            return;
        }
        h.receivedUntilSeconds = receivedUntilUs / 1e6;
        synchronized (h) { // registered at the first figure: no NaN series before it
            if (!h.receivedRegistered) {
                h.meters.add(Gauge.builder("ampwatch.host.received.until.timestamp", h, x -> x.receivedUntilSeconds)
                        .baseUnit("seconds").description("Newest event time received from the host, as of its last progress: not "
                                + "above the attributed time once everything it sent is attributed (a quiet host, whose lag is its silence)")
                        .tags("host", host).register(registry));
                h.receivedRegistered = true;
            }
        }
    }

    public void update(String host, long attributedUntilUs, List<LiveDevice> devices) {
        Host h = hosts.computeIfAbsent(host, this::register);
        long now = clock.millis();
        double until = attributedUntilUs / 1e6;
        double before = h.attributedUntilSeconds;
        h.updatedAtMs = now;
        if (Double.isNaN(before)) {
            // the first figure this instance has of the host: after a start, a restore or a partition moving here it is
            // the stored attributed time, which did not move now; the reported time waits for the first real move
            h.attributedUntilSeconds = until;
        } else if (until > before) {
            h.attributedUntilSeconds = until;
            if (attributedUntilUs / 1000 >= now - LIVE.toMillis()) {
                h.reportedAtMs = now;
                registerReported(h);
            } // a replay of old readings moves the attributed time, but its watts are not the host's power now (a review)
        }
        // a device the host no longer reports (no reading for longer than the max gap) goes: its last watts are not now's
        java.util.Set<String> reported = new java.util.HashSet<>();
        devices.forEach(d -> reported.add(d.component() + "/" + d.device()));
        h.devices.entrySet().removeIf(e -> {
            if (reported.contains(e.getKey())) {
                return false;
            }
            e.getValue().meters.forEach(registry::remove);
            return true;
        });
        java.util.Set<Component> present = Nesting.noneYet();
        devices.forEach(d -> component(d).ifPresent(present::add));
        for (LiveDevice d : devices) {
            Device dev = h.devices.computeIfAbsent(d.component() + "/" + d.device(), k -> register(host, d));
            // whether a sum over the host's devices counts it: not a CPU inside a wall meter (a review saw a fleet panel
            // show 174 W for a host whose wall read 100 W: the wall and the modelled CPU and DRAM inside it, summed)
            dev.inHostTotal = component(d).map(c -> Nesting.countsInTotal(c, present)).orElse(true) ? 1 : 0;
            dev.watts = windowed(dev, until, d);
            dev.joules = Math.max(dev.joules, d.energyJoules());
            dev.runJoules = Math.max(dev.runJoules, d.runEnergyJoules());
            dev.idleWatts = d.idlePowerWatts();
            if (!dev.idleRegistered && !Double.isNaN(d.idlePowerWatts())) { // only once there is a baseline
                synchronized (dev) {
                    if (!dev.idleRegistered) {
                        dev.meters.add(Gauge.builder("ampwatch.device.idle.power", dev, x -> x.idleWatts).baseUnit("watts")
                                .description("Idle baseline of the device: its mean power while no run used it")
                                .tags(tags(host, d)).register(registry));
                        dev.idleRegistered = true;
                    }
                }
            }
        }
    }

    /** The device's mean power over the last {@link #POWER_WINDOW_SECONDS} of attributed time (or what history there is). */
    private static double windowed(Device dev, double attributedUntilSeconds, LiveDevice d) {
        // the energy's own end (the latest reading), not the host's attributed time, which may be past it: 120 W read 126.3
        double untilSeconds = Double.isNaN(d.energyUntilSeconds()) ? attributedUntilSeconds : d.energyUntilSeconds();
        double[] newest = dev.history.peekLast();
        if (newest != null && (untilSeconds <= newest[0] || d.energyJoules() < newest[1])) {
            if (untilSeconds == newest[0] && d.energyJoules() == newest[1]) {
                return dev.watts; // nothing moved
            }
            dev.history.clear(); // redone from an earlier state (a restart, a partition moving back): start over
        }
        dev.history.addLast(new double[] {untilSeconds, d.energyJoules()});
        while (dev.history.size() > 2) {
            java.util.Iterator<double[]> it = dev.history.iterator();
            it.next();
            if (untilSeconds - it.next()[0] < POWER_WINDOW_SECONDS) {
                break;
            }
            dev.history.removeFirst(); // the next one spans the window already
        }
        double[] base = dev.history.peekFirst();
        return base[0] < untilSeconds ? (d.energyJoules() - base[1]) / (untilSeconds - base[0]) : d.powerWatts();
    }

    /** Removes the series of hosts that reported nothing for the retention. */
    public void retire() {
        long now = clock.millis();
        hosts.entrySet().removeIf(e -> {
            Host h = e.getValue();
            if (now - h.updatedAtMs <= retention.toMillis()) {
                return false;
            }
            remove(h);
            return true;
        });
    }

    /**
     * Removes every series of the hosts {@code which} selects, at once: their partition moved to another instance, which
     * reports them from now on (an operator review: the copies left here froze and were summed with the new owner's).
     */
    public void removeHosts(java.util.function.Predicate<String> which) {
        hosts.entrySet().removeIf(e -> {
            if (!which.test(e.getKey())) {
                return false;
            }
            remove(e.getValue());
            return true;
        });
    }

    /** The hosts with series here. */
    public java.util.Set<String> hosts() {
        return java.util.Set.copyOf(hosts.keySet());
    }

    private void remove(Host h) {
        synchronized (h) {
            h.meters.forEach(registry::remove);
            h.meters.clear();
        }
        h.devices.values().forEach(d -> d.meters.forEach(registry::remove));
    }

    private Host register(String host) {
        Host h = new Host(host);
        h.updatedAtMs = clock.millis();
        h.meters.add(Gauge.builder("ampwatch.host.attributed.until.timestamp", h, x -> x.attributedUntilSeconds)
                .baseUnit("seconds").description("Event time up to which the host's energy is attributed; time() minus it is the lag")
                .tags("host", host).register(registry));
        return h;
    }

    /**
     * How recent (by the analyzer's clock) the attributed time must be for its move to count as the host reporting: a
     * replayed trace from last week moved it, and the fleet's live-power panels counted its watts as now for 2 minutes.
     */
    static final java.time.Duration LIVE = java.time.Duration.ofMinutes(10);

    /**
     * The reported time, once the attributed time has moved on this instance, to within {@link #LIVE} of now: not at the first figure after a start or a
     * partition move, when it only read back the stored time (a long-silent host then counted as live for minutes).
     */
    private void registerReported(Host h) {
        if (h.reportedRegistered) {
            return;
        }
        synchronized (h) {
            if (!h.reportedRegistered) {
                h.meters.add(Gauge.builder("ampwatch.host.reported.timestamp", h, x -> x.reportedAtMs / 1000.0)
                        .baseUnit("seconds").description("When (the analyzer's clock) the host's attributed time last moved: a rig "
                                + "whose agent died stops here, and its devices' last watts are not its power now")
                        .tags("host", h.name).register(registry));
                h.reportedRegistered = true;
            }
        }
    }

    private static java.util.Optional<Component> component(LiveDevice d) {
        try {
            return java.util.Optional.of(Component.valueOf(d.component()));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private Device register(String host, LiveDevice d) {
        Device dev = new Device();
        Tags tags = tags(host, d);
        dev.meters.add(Gauge.builder("ampwatch.device.counted.in.host", dev, x -> x.inHostTotal)
                .description("1 when a sum over the host's devices counts this one, 0 when another contains it (a CPU or DRAM "
                        + "inside a wall meter, a package inside psys): add 'and on (host, component, device) "
                        + "ampwatch_device_counted_in_host == 1' to a sum of power or energy across components").tags(tags).register(registry));
        dev.meters.add(Gauge.builder("ampwatch.device.power", dev, x -> x.watts).baseUnit("watts")
                .description("Mean power of the device over its latest attributed stretch (event time)").tags(tags).register(registry));
        dev.meters.add(FunctionCounter.builder("ampwatch.device.energy", dev, x -> x.joules).baseUnit("joules")
                .description("Energy measured on the device since the analyzer first saw it, runs and idle").tags(tags).register(registry));
        dev.meters.add(FunctionCounter.builder("ampwatch.device.run.energy", dev, x -> x.runJoules).baseUnit("joules")
                .description("Of the device's energy, what was attributed to runs").tags(tags).register(registry));
        return dev;
    }

    private static Tags tags(String host, LiveDevice d) {
        return Tags.of("host", host, "component", d.component(), "device", d.device());
    }
}
