package dev.ampwatch.bench.throughput;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * End-to-end throughput and latency of the analyzer on a real broker (its own process): a fleet's
 * backlog, the plain-consumer ceiling, the analyzer until every run is final, then live latency.
 * Run through {@code benchmarks/throughput.sh}; results in docs/benchmarks.md.
 */
public final class ThroughputBenchmark {
    public static void main(String[] args) throws Exception {
        ThroughputOptions o = ThroughputOptions.parse(args);
        Path dir = Files.createTempDirectory("ampwatch-throughput");
        try (ChildProcessBroker broker = ChildProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90))) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            String run = Long.toString(System.currentTimeMillis(), 36);
            double analyzerRate = backlog(o, client, dir, "tp-" + run + ".", broker.pid());
            if (o.liveHosts() > 0) {
                latency(o, client, dir, "lat-" + run + ".", broker.pid());
            }
            System.out.printf("%nend to end (%s engine): %.0f samples/s (target >= 100,000)%n",
                    o.engines().get(0).name().toLowerCase(java.util.Locale.ROOT), analyzerRate);
        } finally {
            deleteQuietly(dir);
        }
        List<Path> profiles = new java.util.ArrayList<>();
        if (o.profile() != null) {
            o.engines().forEach(e -> profiles.add(o.profile().resolveSibling(e.name().toLowerCase(java.util.Locale.ROOT) + "-"
                    + o.profile().getFileName())));
        }
        if (o.profileLive() != null) {
            profiles.add(o.profileLive());
        }
        for (Path profile : profiles) {
            System.out.println();
            System.out.println("== " + profile);
            JfrSummary.of(profile).print(System.out, 20);
        }
    }

    private static double backlog(ThroughputOptions o, Map<String, Object> client, Path dir, String prefix, long brokerPid)
            throws Exception {
        Backlog.Written backlog = Backlog.write(client, prefix, o);
        Topics topics = backlog.topics();
        List<SimulatedHost> fleet = backlog.fleet();
        Backlog.Produced produced = backlog.produced();
        System.out.printf("backlog: %,d samples + %,d training events, %d hosts x 50 samples/s over %.0f s of event time, "
                        + "%d partitions; produced in %.1f s (%,.0f samples/s)%n", produced.samples(), produced.events(),
                o.hosts(), backlog.ticks() * Fleet.TICK_US / 1e6, o.partitions(), produced.seconds(), produced.samplesPerSecond());

        double bytes = Ceiling.rateOfBytes(client, topics.powerSamples().name(), produced.samples());
        double decoded = Ceiling.rate(client, topics.powerSamples().name(), topics.powerSamples().valueSerde().deserializer(),
                produced.samples());
        System.out.printf("plain consumer (the ceiling): %,.0f records/s as bytes, %,.0f records/s decoded (Avro)%n", bytes, decoded);

        Kafka.createInternalTopics(client);
        StreamsCeiling.Result k = StreamsCeiling.run(client, topics, prefix + "pass-through", dir.resolve("state-pt-" + prefix), o,
                produced.samples() + produced.events());
        System.out.printf("Kafka Streams ceiling (a pass-through app on both inputs, %s, no state, no output): %,.0f samples/s "
                        + "from start (%.1f s), %,.0f from RUNNING%n", o.guarantee(), produced.samples() / k.fromStartSeconds(),
                k.fromStartSeconds(), produced.samples() / k.fromRunningSeconds());
        Set<String> runs = fleet.stream().map(h -> h.run.runId).collect(Collectors.toSet());
        double first = 0;
        for (AnalyzerConfig.Engine engine : o.engines()) {
            String name = engine.name().toLowerCase(java.util.Locale.ROOT);
            for (int pass = 1; pass <= o.analyzerWarmup(); pass++) {
                String id = name + "-warm-up-" + pass;
                AnalyzerConfig config = AnalyzerStep.config(outputsOf(client, topics, id, o), prefix + "analyzer-" + id,
                        dir.resolve("state-" + prefix + id), o, engine);
                AnalyzerStep.Result r = AnalyzerStep.run(client, config, o, runs, brokerPid, null);
                System.out.printf("  (warm-up pass %d of the %s engine over the same backlog: %.1f s, not counted)%n", pass, name,
                        r.fromStartSeconds());
                sanity(fleet, r.finals()); // its figures count: every pass is a chance to catch a wrong one
            }
            AnalyzerConfig config = AnalyzerStep.config(outputsOf(client, topics, name, o), prefix + "analyzer-" + name,
                    dir.resolve("state-" + prefix + name), o, engine);
            AnalyzerStep.Result r = AnalyzerStep.run(client, config, o, runs, brokerPid,
                    o.profile() == null ? null : o.profile().resolveSibling(name + "-" + o.profile().getFileName()));
            double rate = produced.samples() / r.fromStartSeconds();
            // RUNNING is the Kafka Streams app's state: the streams engine's attribution; the direct engine attributes
            // before its statistics' Streams app is RUNNING, so a rate from then means nothing (a review read
            // "1,934,513 samples/s from RUNNING" on a loaded 2-core machine)
            // the direct engine: from when its first member had its partitions, by the member's own clock reading
            String fromRunning = engine == AnalyzerConfig.Engine.STREAMS
                    ? String.format(java.util.Locale.ROOT, " (%,.0f from RUNNING, %.1f s after start)", produced.samples() / r.fromRunningSeconds(),
                            r.fromStartSeconds() - r.fromRunningSeconds())
                    : Double.isNaN(r.fromAttributingSeconds()) ? ""
                    : String.format(java.util.Locale.ROOT, " (%,.0f from its first assignment, %.1f s after start)",
                            produced.samples() / r.fromAttributingSeconds(), r.fromStartSeconds() - r.fromAttributingSeconds());
            System.out.printf("analyzer, %s engine (%s, %d threads): all %d runs final %.1f s after start, "
                            + "%,d running totals: %,.0f samples/s end to end%s; x%.2f of the plain consumer "
                            + "(bytes), x%.2f (decoded)%n", name, o.guarantee() + (o.streams().isEmpty() ? "" : " " + o.streams()),
                    o.streamThreads(), runs.size(), r.fromStartSeconds(),
                    r.runningTotals(), rate, fromRunning, rate / bytes, rate / decoded);
            System.out.println("  CPU during the analyzer step: " + r.cpu());
            sanity(fleet, r.finals());
            System.out.printf("dead letters: %d%n", Kafka.count(client, config.topics().deadLetters()));
            first = first == 0 ? rate : first;
        }
        return first;
    }

    /** The backlog's inputs with outputs of their own, so that each analyzer's finals are its own. */
    static Topics outputsOf(Map<String, Object> client, Topics topics, String name, ThroughputOptions o) throws Exception {
        Topics own = new Topics(topics.trainingEvents(), topics.powerSamples(),
                new dev.ampwatch.schema.kafka.TopicSpec<>(topics.runEnergy().name() + "-" + name, topics.runEnergy().keySerde(),
                        topics.runEnergy().valueSerde()),
                new dev.ampwatch.schema.kafka.TopicSpec<>(topics.experimentStats().name() + "-" + name,
                        topics.experimentStats().keySerde(), topics.experimentStats().valueSerde()),
                topics.deadLetters() + "-" + name, topics.runExclusions());
        Kafka.createTopics(client, List.of(own.runEnergy().name(), own.experimentStats().name(), own.deadLetters()), o.partitions());
        return own;
    }

    /** Every run final, > 0 J, 10 epochs, and its total what the counters say. */
    static boolean sanity(List<SimulatedHost> fleet, Map<String, RunEnergy> finals) {
        double worst = 0;
        int bad = 0;
        for (SimulatedHost h : fleet) {
            RunEnergy e = finals.get(h.run.runId);
            double error = Math.abs(e.getEnergyJoules() - h.expectedRunJoules()) / h.expectedRunJoules();
            double epochs = e.getEpochs().stream().mapToDouble(x -> x.getEnergyJoules()).sum();
            boolean ok = e.getEnergyJoules() > 0 && e.getEpochs().size() == SimulatedRun.EPOCHS && error < 1e-6
                    && Math.abs(epochs - e.getEnergyJoules()) < 1e-6 * e.getEnergyJoules() && e.getQuality().getGaps() == 0;
            if (!ok) {
                bad++;
                System.out.printf("  SANITY FAILED %s: %s%s, %.3f J (expected %.3f), %d epochs summing to %.3f J, %d gaps, %d late"
                                + " samples, %d late events (moved %.3f s), ended %s%n",
                        h.run.runId, e.getStatus(), e.getFailureReason() == null ? "" : " (" + e.getFailureReason() + ")",
                        e.getEnergyJoules(), h.expectedRunJoules(), e.getEpochs().size(), epochs,
                        e.getQuality().getGaps(), e.getQuality().getLateSamples(), e.getQuality().getLateEvents(),
                        e.getQuality().getBoundaryShiftSeconds(), e.getEndTime());
            }
            worst = Math.max(worst, error);
        }
        RunEnergy any = finals.values().stream().min(Comparator.comparing(RunEnergy::getRunId)).orElseThrow();
        System.out.printf("sanity: %d/%d runs final with > 0 J, 10 epochs, epochs summing to the total, no gaps, total "
                        + "within 1e-6 of the counters (worst relative error %.1e); e.g. %s: %.1f kJ over %.0f s%n",
                fleet.size() - bad, fleet.size(), worst, any.getRunId(), any.getEnergyJoules() / 1000, any.getDurationSeconds());
        return bad == 0;
    }

    private static void latency(ThroughputOptions o, Map<String, Object> client, Path dir, String prefix, long brokerPid)
            throws Exception {
        Topics topics = Topics.withPrefix(prefix);
        Kafka.createTopics(client, topics, o.partitions());
        AnalyzerConfig config = AnalyzerStep.config(topics, prefix + "analyzer", dir.resolve("state-" + prefix), o);
        try (AnalyzerApp app = AnalyzerApp.start(config, AnalyzerStep.streamsClient(client, o), "127.0.0.1", 0,
                Duration.ofMinutes(5))) {
            if (!app.awaitRunning(Duration.ofSeconds(120))) {
                throw new IllegalStateException("the analyzer did not reach RUNNING: " + app.state());
            }
            LiveLatency live = new LiveLatency(topics, Fleet.live(prefix, o.liveHosts(), Fleet.nowUs()));
            CpuMeter cpu = new CpuMeter(brokerPid);
            jdk.jfr.Recording recording = o.profileLive() == null ? null : AnalyzerStep.recording();
            if (recording != null) {
                recording.start();
            }
            LiveLatency.Result r = live.run(client, o.warmup(), o.measure(), config.grace().plusSeconds(8));
            String used = cpu.since();
            if (recording != null) {
                recording.stop();
                recording.dump(o.profileLive());
                recording.close();
            }
            double bound = config.grace().toMillis() + 1000;
            System.out.printf("latency (%s): %d hosts live, %,.0f samples/s produced over the %d s window (after %d s warm-up): "
                            + "p50 %.0f ms, p99 %.0f ms, max %.0f ms over %,d ticks (x%d samples); %,d samples never "
                            + "attributed; grace + 1 s = %.0f ms: p99 %s%n", o.guarantee() + (o.streams().isEmpty() ? "" : " " + o.streams()), o.liveHosts(), r.samplesPerSecond(),
                    o.measure().toSeconds(), o.warmup().toSeconds(), r.latency().at(50), r.latency().at(99),
                    r.latency().at(100), r.latency().count(), Fleet.SAMPLES_PER_TICK, r.unresolved(), bound,
                    r.latency().at(99) < bound && r.unresolved() == 0 ? "below" : "NOT below");
            System.out.printf("  where it goes: a running total arrives %.0f ms (p50; p99 %.0f) after its attributed_until "
                            + "(grace %d ms + produce-to-committed pipeline); successive totals of a run are "
                            + "%.0f ms apart in event time (p50; p99 %.0f; %.1f %% over 1.5 x the emit interval of %d ms)%n",
                    r.totalLag().at(50), r.totalLag().at(99), config.grace().toMillis(), r.emitSpacing().at(50),
                    r.emitSpacing().at(99), 100 * r.emitSpacing().shareAbove(1.5 * config.emitInterval().toMillis()),
                    config.emitInterval().toMillis());
            System.out.println("  CPU during the latency step (producer included): " + used);
        }
    }

    static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a leftover temporary directory is not worth failing the run for
        }
    }
}
