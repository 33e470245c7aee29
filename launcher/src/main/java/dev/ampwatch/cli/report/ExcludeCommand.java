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
        header = "Leaves runs out of their experiment's statistics, with why (or takes them back in with --undo).",
        description = {"Leaves runs out of every statistic of their experiment (descriptive statistics, tests, ANOVA,",
            "regression checks, the energy model) and lists them, with the reason, in the statistics",
            "(excluded_runs), GET /experiments/ID and the report. A run disturbed by another job, a",
            "throttled GPU or a broken meter can be left out of a study without deleting anything.",
            "Each run's experiment is read from the run-energy topic; --experiment names it for a run",
            "with no record yet (it stays out when it finishes).",
            "",
            "  ampwatch exclude sweep-1a2b-07 --reason 'thermal throttling: another job on GPU 0' --bootstrap-servers 127.0.0.1:9092",
            "  ampwatch exclude sweep-1a2b-07 --undo --reason 'the throttling was on GPU 1' --bootstrap-servers 127.0.0.1:9092",
            ""})
public final class ExcludeCommand implements Callable<Integer> {
    /** The prefix of the consumer groups it reads with (never committed; named for ACLs). */
    public static final String GROUP_PREFIX = "ampwatch-exclude-";

    @Parameters(arity = "1..*", paramLabel = "RUN_ID", description = "The runs.")
    List<String> runIds;

    @Option(names = "--reason", required = true, paramLabel = "TEXT",
            description = "Why (required: a study reports it), e.g. 'thermal throttling: another job on GPU 0'.")
    String reason;

    @Option(names = "--undo", description = "Take the runs back into their experiment's statistics.")
    boolean undo;

    @Option(names = "--experiment", paramLabel = "ID",
            description = "The runs' experiment: needed only for a run with no record on run-energy yet; checked otherwise.")
    String experimentId;

    @Option(names = "--wait", description = "Wait until the analyzer has published the experiment's statistics with the change.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
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
        if (reason.isBlank()) {
            err.println("--reason is empty: say why (a study reports it)");
            return 2;
        }
        Map<String, Object> client = kafka.clientProperties(null);
        TopicSource source = new TopicSource(client, kafka.topics(), timeout);
        Map<String, String> found = source.experimentsOf(Set.copyOf(runIds));
        Map<String, String> experiments = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String run : new java.util.LinkedHashSet<>(runIds)) {
            String experiment = found.get(run);
            if (experiment == null && experimentId == null) {
                problems.add("run " + run + " has no record on " + kafka.topics().runEnergy().name() + " at " + client.get("bootstrap.servers")
                        + " (a typo, another --topic-prefix, or it has not started yet: then give --experiment ID)");
            } else if (experiment != null && experimentId != null && !experiment.equals(experimentId)) {
                problems.add("run " + run + " is a run of experiment " + experiment + ", not of --experiment " + experimentId);
            } else {
                experiments.put(run, experiment != null ? experiment : experimentId);
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("exclude: " + p));
            err.println("nothing was published");
            return 2;
        }
        if (undo) { // taking back a run that is not out changes nothing, and the analyzer publishes nothing for it
            for (String experiment : Set.copyOf(experiments.values())) {
                ExperimentStats stats = source.stats(experiment);
                Set<String> listed = stats == null ? Set.of()
                        : stats.getExcludedRuns().stream().map(ExcludedRun::getRunId).collect(Collectors.toSet());
                experiments.entrySet().removeIf(e -> {
                    boolean keep = !e.getValue().equals(experiment) || listed.contains(e.getKey());
                    if (!keep) {
                        err.printf("exclude: run %s is not excluded from the statistics of %s: nothing to undo%n", e.getKey(), experiment);
                    }
                    return !keep;
                });
            }
            if (experiments.isEmpty()) {
                err.flush();
                return 0;
            }
        }
        String by = System.getProperty("user.name", "unknown") + "@" + host();
        Instant at = Instant.ofEpochMilli(System.currentTimeMillis());
        try (Admin admin = Admin.create(client)) {
            dev.ampwatch.analyzer.streams.InternalTopics.createExclusionsTopic(admin, kafka.topics(),
                    dev.ampwatch.analyzer.streams.CoPartitioning.partitions(admin, kafka.topics().runEnergy().name()).orElse(1),
                    java.util.Optional.empty());
        }
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
                        .setReason(reason).setStatedAt(at).setStatedBy(by).build();
                producer.send(new ProducerRecord<>(kafka.topics().runExclusions().name(), null, at.toEpochMilli(), e.getKey(), exclusion))
                        .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                out.printf("run %s (experiment %s) %s: %s%n", e.getKey(), e.getValue(),
                        undo ? "taken back into its statistics" : "excluded from its statistics", reason);
            }
        } catch (ExecutionException | TimeoutException e) {
            err.println("exclude: could not publish to " + kafka.topics().runExclusions().name() + " at " + client.get("bootstrap.servers")
                    + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            return 1;
        }
        Set<String> experimentIds = Set.copyOf(experiments.values());
        if (!await) {
            out.printf("the analyzer recomputes the statistics of %s now (ampwatch report --experiment %s)%n",
                    String.join(", ", experimentIds), experimentIds.iterator().next());
            out.flush();
            return 0;
        }
        Map<String, ExperimentStats> seen = awaitStatistics(client, experiments, at);
        for (String experiment : experimentIds) {
            ExperimentStats stats = seen.get(experiment);
            if (stats == null) {
                err.printf("exclude: no statistics of %s with the change within %s: is an analyzer running on this cluster (and"
                        + " this --topic-prefix)? The exclusion is published; it takes effect when one runs%n", experiment,
                        DurationConverter.text(timeout));
                return 1;
            }
            out.printf("statistics of %s: %d completed run(s) in %d configuration(s); excluded: %s%n", experiment,
                    stats.getConfigurations().stream().mapToInt(c -> c.getRuns()).sum(), stats.getConfigurations().size(),
                    stats.getExcludedRuns().isEmpty() ? "none"
                            : stats.getExcludedRuns().stream().map(ExcludedRun::getRunId).collect(Collectors.joining(", ")));
        }
        out.flush();
        return 0;
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
