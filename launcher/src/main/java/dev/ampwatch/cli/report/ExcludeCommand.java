package dev.ampwatch.cli.report;

import dev.ampwatch.cli.DurationConverter;
import dev.ampwatch.cli.KafkaOptions;
import dev.ampwatch.schema.ExcludedRun;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunExclusion;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Leaves runs out of their experiment's statistics, with why, or takes them back in (docs/statistics.md, "Excluding a
 * run"). Publishes one {@link RunExclusion} per run on the run-exclusions topic (compacted: the latest statement of a run
 * holds); the analyzer recomputes the experiment's statistics at once. Nothing is deleted: the run stays on run-energy and
 * in /runs, and the report lists it apart with the reason.
 */
@Command(name = "exclude", mixinStandardHelpOptions = true,
        header = "Leaves runs out of their experiment's statistics, with why (--undo: back in).",
        description = {"Leaves runs out of every statistic of their experiment (descriptive",
            "statistics, tests, ANOVA, regression checks, the energy model) and lists",
            "them, with the reason, in the statistics (excluded_runs), in",
            "GET /experiments/ID and in the report. A run disturbed by another job, a",
            "throttled GPU or a meter that dropped out is left out of a study without",
            "deleting anything; --undo takes it back in.",
            "Each run's experiment is read from its records on the run-energy topic: a",
            "run must have started (a running run can be excluded; it stays out when it",
            "finishes).",
            "",
            "  ampwatch exclude sweep-1a2b-07 --reason 'another job on GPU 0' \\",
            "      --bootstrap-servers 127.0.0.1:9092 --wait",
            "  ampwatch exclude sweep-1a2b-07 --undo --bootstrap-servers 127.0.0.1:9092",
            ""})
public final class ExcludeCommand implements Callable<Integer> {
    /** The prefix of the consumer groups it reads with (never committed; named for ACLs). */
    public static final String GROUP_PREFIX = "ampwatch-exclude-";
    /** The reason of an --undo without one. */
    static final String TAKEN_BACK = "taken back in";

    @Parameters(arity = "1..*", paramLabel = "RUN_ID", description = "The runs.")
    List<String> runIds;

    @Option(names = "--reason", paramLabel = "TEXT",
            description = "Why (required to exclude: a study reports it), e.g. 'thermal throttling: another job on GPU 0'.")
    String reason;

    @Option(names = "--undo", description = "Take the runs back into their experiment's statistics.")
    boolean undo;

    @Option(names = "--experiment", paramLabel = "ID", description = "Refuse runs of any other experiment (a check).")
    String experimentId;

    @Option(names = "--wait", description = "Wait until the analyzer has published the experiments' statistics with the change.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for Kafka, and with --wait for the analyzer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!undo && (reason == null || reason.isBlank())) {
            err.println("exclude: --reason is missing or empty: say why the runs are left out (a study reports it)");
            return 2;
        }
        String why = reason == null || reason.isBlank() ? TAKEN_BACK : reason;
        if (runIds.stream().anyMatch(String::isBlank)) {
            err.println("exclude: an empty run id; nothing was published");
            return 2;
        }
        Map<String, Object> client = kafka.clientProperties(null);
        TopicSource source = new TopicSource(client, kafka.topics(), timeout);
        Map<String, String> found = source.experimentsOf(Set.copyOf(runIds));
        Map<String, String> experiments = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String runEnergy = kafka.topics().runEnergy().name();
        for (String run : new java.util.LinkedHashSet<>(runIds)) {
            String experiment = found.get(run);
            if (!found.containsKey(run)) {
                problems.add("run " + run + " has no record on " + runEnergy + " at " + client.get("bootstrap.servers")
                        + " (a typo, another --topic-prefix, or it has not started yet)");
            } else if (experiment == null) {
                problems.add("run " + run + " was deleted from " + runEnergy + " (its latest record is a tombstone): the"
                        + " statistics leave it out (listed as deleted) where the analyzer had seen it finish, and it cannot be"
                        + " taken back in");
            } else if (experimentId != null && !experiment.equals(experimentId)) {
                problems.add("run " + run + " is a run of experiment " + experiment + ", not of --experiment " + experimentId);
            } else {
                experiments.put(run, experiment);
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("exclude: " + p));
            err.println("nothing was published");
            return 2;
        }
        try (Admin admin = Admin.create(client)) { // compacted, where missing (a deployment set up before 2026-12-03)
            dev.ampwatch.analyzer.streams.InternalTopics.createExclusionsTopic(admin, kafka.topics(), java.util.Optional.empty());
        }
        if (undo) { // what holds is the latest statement on the topic, whether the analyzer has shown it yet or not
            List<String> undecodable = new ArrayList<>();
            Map<String, RunExclusion> stated = source.exclusionsOf(experiments.keySet(), undecodable);
            undecodable.forEach(u -> err.println("exclude: skipped a record that does not decode: " + u));
            experiments.keySet().removeIf(run -> {
                RunExclusion latest = stated.get(run);
                if (latest == null || !latest.getExcluded()) {
                    err.printf("exclude: run %s is not excluded from its statistics: nothing to undo%n", run);
                    return true;
                }
                return false;
            });
            if (experiments.isEmpty()) {
                err.flush();
                return 0;
            }
        }
        Set<String> experimentIds = new java.util.TreeSet<>(experiments.values());
        Map<String, ExperimentStats> before = new HashMap<>();
        if (await) {
            before.putAll(source.stats(experimentIds)); // one read of the topic for all of them
        }
        String by = System.getProperty("user.name", "unknown") + "@" + host();
        Instant at = Instant.ofEpochMilli(System.currentTimeMillis());
        Map<String, Object> props = new HashMap<>(client);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        int delivery = (int) Math.max(timeout.toMillis(), 2_000);
        props.put("delivery.timeout.ms", delivery);
        props.put("linger.ms", 0);
        props.put("request.timeout.ms", Math.min(delivery / 2, 30_000)); // the producer refuses one above delivery - linger
        props.put("max.block.ms", timeout.toMillis());
        try (KafkaProducer<String, RunExclusion> producer = new KafkaProducer<>(props, new StringSerializer(),
                kafka.topics().runExclusions().valueSerde().serializer())) {
            for (var e : experiments.entrySet()) {
                RunExclusion exclusion = RunExclusion.newBuilder().setRunId(e.getKey()).setExperimentId(e.getValue()).setExcluded(!undo)
                        .setReason(why).setStatedAt(at).setStatedBy(by).build();
                producer.send(new ProducerRecord<>(kafka.topics().runExclusions().name(), null, at.toEpochMilli(), e.getKey(), exclusion))
                        .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                out.printf("run %s (experiment %s) %s: %s%n", e.getKey(), e.getValue(),
                        undo ? "taken back into its statistics" : "excluded from its statistics", why);
            }
        } catch (ExecutionException | TimeoutException e) {
            err.println("exclude: could not publish to " + kafka.topics().runExclusions().name() + " at " + client.get("bootstrap.servers")
                    + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            return 1;
        }
        if (!await) {
            out.printf("the analyzer recomputes the statistics of %s now (ampwatch report --experiment ID)%n",
                    String.join(", ", experimentIds));
            out.flush();
            return 0;
        }
        // an experiment without statistics yet (no run of it finished) gets none now: the exclusion holds when one does
        Map<String, String> waitFor = new LinkedHashMap<>(experiments);
        waitFor.values().removeIf(e -> before.get(e) == null);
        Map<String, ExperimentStats> seen = waitFor.isEmpty() ? Map.of() : awaitStatistics(client, waitFor, at);
        int rc = 0;
        for (String experiment : experimentIds) {
            ExperimentStats stats = seen.get(experiment);
            if (before.get(experiment) == null) {
                out.printf("experiment %s has no statistics yet (no run of it has finished): the change holds when they come%n", experiment);
            } else if (stats == null) {
                err.printf("exclude: no statistics of %s with the change within %s: is an analyzer running on this cluster (and"
                        + " this --topic-prefix)? The change is published; it takes effect when one runs%n", experiment,
                        DurationConverter.text(timeout));
                rc = 1;
            } else {
                out.printf("statistics of %s: %d completed run(s) in %d configuration(s); excluded: %s%n", experiment,
                        stats.getConfigurations().stream().mapToInt(c -> c.getRuns()).sum(), stats.getConfigurations().size(),
                        stats.getExcludedRuns().isEmpty() ? "none"
                                : stats.getExcludedRuns().stream().map(ExcludedRun::getRunId).collect(Collectors.joining(", ")));
            }
        }
        out.flush();
        err.flush();
        return rc;
    }

    /**
     * The first statistics of each experiment published at or after {@code at} that show every run of it as asked (listed
     * as excluded, or not listed after --undo); missing when none came within the timeout.
     */
    private Map<String, ExperimentStats> awaitStatistics(Map<String, Object> client, Map<String, String> experiments, Instant at) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("group.id", GROUP_PREFIX + UUID.randomUUID()); // never committed
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        Map<String, ExperimentStats> done = new HashMap<>();
        Set<String> wanted = Set.copyOf(experiments.values());
        String topic = kafka.topics().experimentStats().name();
        try (KafkaConsumer<String, ExperimentStats> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                kafka.topics().experimentStats().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plus(timeout);
            while (!done.keySet().containsAll(wanted) && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, ExperimentStats> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && wanted.contains(r.key()) && r.timestamp() >= at.toEpochMilli() && shows(r.value(), experiments)) {
                        done.putIfAbsent(r.key(), r.value());
                    }
                }
            }
        }
        return done;
    }

    private boolean shows(ExperimentStats stats, Map<String, String> experiments) {
        Set<String> listed = stats.getExcludedRuns().stream().map(ExcludedRun::getRunId).collect(Collectors.toSet());
        return experiments.entrySet().stream().filter(e -> e.getValue().equals(stats.getExperimentId()))
                .allMatch(e -> listed.contains(e.getKey()) != undo);
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown-host";
        }
    }
}
