package dev.ampwatch.cli;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.cli.report.Numbers;
import dev.ampwatch.cli.report.ReportCommand;
import dev.ampwatch.cli.report.Verdicts;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.trainer.DeviceChoice;
import dev.ampwatch.trainer.InferenceJob;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.WarmUp;
import dev.ampwatch.trainer.TrainingProgress;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.DatasetResolver;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "The whole pipeline here: trains FP32 vs mixed precision, measures, analyzes, prints the comparison.",
        description = {"The whole pipeline on this machine: starts a Kafka broker (unless --bootstrap-servers is given),",
            "the analyzer and the power-agent, trains the same model in FP32 and mixed precision (--repeats runs each, in a",
            "shuffled order), runs the FP32 models' inference in fp32, fp16, bf16 and int8, waits for each run's final energy,",
            "prints the runs, energy per 1,000 inferences and the statistics' verdict per precision, writes an HTML report,",
            "and leaves /metrics up until Ctrl-C or --duration."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "ampwatch-data", description = "Broker data and Streams state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32,amp-fp16,amp-bf16",
            description = "Precisions to train (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Runs of each precision (default: ${DEFAULT-VALUE}); two or more give each configuration a "
                    + "standard deviation, so the statistics can test it.")
    int repeats;

    @Option(names = "--order-seed", description = "Seed of the shuffled run order (default: random, printed).")
    Long orderSeed;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Where to write the HTML report of the demo's experiment (and its CSV next to it) (default: <data-dir>/report.html).")
    Path report;

    @Option(names = "--idle", defaultValue = "6s", converter = DurationConverter.class,
            description = "Idle time measured before the first run, for the idle baseline (default: ${DEFAULT-VALUE}).")
    Duration idle;

    @Option(names = "--cooldown", defaultValue = "2s", converter = DurationConverter.class,
            description = "Pause between runs (default: ${DEFAULT-VALUE}).")
    Duration cooldown;

    @Option(names = "--sample-interval", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Sampling interval of the power sources (default: ${DEFAULT-VALUE}).")
    Duration sampleInterval;

    @Option(names = "--agent-metrics-port", defaultValue = "9465",
            description = "Port of the power-agent's own /metrics; 0 picks one, -1 serves none (default: ${DEFAULT-VALUE}).")
    int agentMetricsPort;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Keep /metrics up this long after the runs, then exit (default: until Ctrl-C; 0s exits at once).")
    Duration duration;

    @Option(names = "--inference", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "After training, run the fp32 runs' models in every --inference-precisions, --repeats runs each "
                    + "(run r on the model of fp32 run r), and print energy per 1,000 inferences (default: on; CPU).")
    boolean inference;

    @Option(names = "--inference-precisions", split = ",", defaultValue = "fp32,fp16,bf16,int8",
            description = "Inference precisions, of fp32, fp16, bf16, int8, int4 (W4A8) and fp8 (default: ${DEFAULT-VALUE}).")
    List<String> inferencePrecisions;

    @Option(names = "--inference-passes", defaultValue = "2",
            description = "Passes over the test split per inference run (default: ${DEFAULT-VALUE}).")
    int inferencePasses;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalyzerOptions analyzer;

    @Mixin
    TrainOptions train;

    /** The statistics' verdict per mixed precision, in words with the numbers (docs/statistics.md). */
    /**
     * The inference runs: each inference precision {@code --repeats} times in a shuffled order, run r of a
     * precision on the model of fp32 training run r, after the cool-down. Returns true when stopped (Ctrl-C).
     */
    private boolean infer(List<TrainingOptions> models, long seed, KafkaTrainingPublisher publisher, String host, String device,
                          Lifetime lifetime, Set<String> runIds) throws Exception {
        List<String> order = RunOrder.shuffled(inferencePrecisions, models.size(), seed + 1);
        System.out.printf("%d inference runs of the fp32 models (%d passes over the test split each, %s): %s%n", order.size(),
                inferencePasses, device.toUpperCase(java.util.Locale.ROOT), String.join(", ", order));
        Map<String, Integer> seen = new java.util.HashMap<>();
        TrainingOptions first = models.get(0);
        Dataset data = DatasetResolver.resolve(first.datasetDir(), first.trainLimit(), first.testLimit(), first.seed());
        Map<Long, Dataset> dataBySeed = new java.util.HashMap<>(Map.of(first.seed(), data));
        System.out.println("warming up the JIT for each inference precision (short passes, experiment "
                + WarmUp.experimentId(first.experimentId()) + ") ...");
        InferenceJob.warmUp(ModelFile.read(first.modelFile().orElseThrow()), inferencePrecisions, InferenceJob.DEFAULT_BATCH_SIZE,
                device, first.threads(), host, data, first.experimentId(), publisher);
        int i = 0;
        for (String precision : order) {
            if (lifetime.await(cooldown)) {
                return true;
            }
            TrainingOptions trained = models.get(seen.merge(precision, 1, Integer::sum) - 1);
            ModelFile.SavedModel model = ModelFile.read(trained.modelFile().orElseThrow());
            // the model's own data (generated data depends on the seed), loaded once per seed
            Dataset own = dataBySeed.get(trained.seed());
            if (own == null) {
                own = DatasetResolver.resolve(trained.datasetDir(), trained.trainLimit(), trained.testLimit(), trained.seed());
                dataBySeed.put(trained.seed(), own);
            }
            String runId = UUID.randomUUID().toString();
            System.out.printf("[%d/%d] inference %s of model %s: run %s ...%n", ++i, order.size(), precision, trained.runId(), runId);
            InferenceJob.run(model, new InferenceJob.Options(precision, InferenceJob.DEFAULT_BATCH_SIZE, inferencePasses, runId,
                    trained.experimentId(), host), device, trained.threads(), java.time.InstantSource.system(), publisher, own);
            runIds.add(runId);
        }
        return false;
    }

    /**
     * Every option judged before the broker, the analyzer and the agent start: a review's {@code --epochs 0} was refused
     * only after 25 s of start-up, with exit 1 where a wrong option is exit 2 (docs/trainer.md).
     */
    private void checkOptions() {
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats " + repeats + " is not a number of runs: give 1 or more");
        }
        if (dev.ampwatch.trainer.model.Task.fromCliName(train.task) != dev.ampwatch.trainer.model.Task.CLASSIFICATION
                || train.target != null) {
            throw new IllegalArgumentException("the demo compares classifiers of Fashion-MNIST; a regression or a table"
                    + " is for train, profile and sweep (docs/trainer.md, \"Tables and regressions\")");
        }
        for (String p : precisions) {
            Precision.fromCliName(p); // an unknown precision fails now, not after the broker started
        }
        for (String p : inference ? inferencePrecisions : List.<String>of()) {
            if (!InferenceJob.PRECISIONS.contains(p)) {
                throw new IllegalArgumentException("--inference-precisions " + p + ": one of " + InferenceJob.PRECISIONS);
            }
        }
        if (inference && new java.util.HashSet<>(inferencePrecisions).size() != inferencePrecisions.size()) {
            throw new IllegalArgumentException("--inference-precisions lists a precision twice: " + inferencePrecisions);
        }
        if (inference && inferencePasses < 1) {
            throw new IllegalArgumentException("--inference-passes " + inferencePasses + " is not a number of passes: give 1 or more");
        }
        // the training options as each run will have them (epochs, batch size, learning rate, ...)
        if (precisions.isEmpty()) {
            throw new IllegalArgumentException("--precisions lists no precision");
        }
        train.builder(Precision.fromCliName(precisions.get(0))).runId(UUID.randomUUID().toString()).build();
    }

    @Override
    public Integer call() throws Exception {
        train.defaultTrainLimit = 12_000; // the demo is short unless --train-limit or --epochs say otherwise
        train.defaultEpochs = 2;
        boolean infer = inference && precisions.contains("fp32");
        try {
            checkOptions();
        } catch (IllegalArgumentException e) { // a wrong option: exit 2 with the usage hint, before anything starts
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (inference && !infer) {
            System.out.println("no inference runs: they run the fp32 models, and --precisions has no fp32");
        }
        if (train.scope.experimentId.equals("default")) {
            train.scope.experimentId = "demo-" + UUID.randomUUID().toString().substring(0, 8);
        }
        // one device for every run, so that the precisions compare on it (a GPU without BF16 puts all on the CPU)
        DeviceChoice.Resolved device = DeviceChoice.forExperiment(train.device, precisions.stream().map(Precision::fromCliName).toList(),
                infer ? inferencePrecisions : List.of(), train.scope.threadsOrAllCores());
        System.out.println("device: " + device.explanation());
        Lifetime lifetime = new Lifetime();
        try (LocalPipeline pipeline = LocalPipeline.start(dataDir, kafka, analyzer, sampleInterval, train.scope.host, agentMetricsPort)) {
            Map<String, Object> client = pipeline.client;
            AnalyzerConfig config = pipeline.config;
            AnalyzerApp app = pipeline.app;
            RunEnergyWatcher watcher = pipeline.watcher;
            PowerAgentConfig powerConfig = pipeline.power;
            ExperimentStatsWatcher statsWatcher = pipeline.add(new ExperimentStatsWatcher(client, config.topics()));

            Set<String> runIds = new LinkedHashSet<>();
            Set<String> inferenceIds = new LinkedHashSet<>();
            List<TrainingOptions> models = new java.util.ArrayList<>();
            long shuffleSeed = orderSeed != null ? orderSeed : new java.util.Random().nextLong() & 0xffff_ffffL;
            List<String> order = RunOrder.shuffled(precisions, repeats, shuffleSeed);
            System.out.printf("%d runs (%d of each precision) in a shuffled order (--order-seed %d): %s%n", order.size(), repeats,
                    shuffleSeed, String.join(", ", order));
            try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(client, config.topics().trainingEvents().name())) {
                // the first run would otherwise pay for the JIT compiler warming up, and look worse than it is; published as
                // a run of its own experiment, so the analyzer does not learn its power as idle (WarmUp)
                TrainingOptions warm = train.builder(Precision.FP32).host(powerConfig.host()).runId(WarmUp.runId("training"))
                        .experimentId(WarmUp.experimentId(train.scope.experimentId)).epochs(1).trainLimit(2_000).testLimit(500).build();
                System.out.println("warming up the JIT (a short run, experiment " + warm.experimentId() + ") ...");
                device.train(warm, publisher, TrainingProgress.none());
                int i = 0;
                Map<String, Integer> repeat = new java.util.HashMap<>();
                for (String p : order) {
                    if (lifetime.await(i == 0 ? idle : cooldown)) {
                        return 130;
                    }
                    String runId = UUID.randomUUID().toString();
                    // repeat r trains with --seed + r - 1, as a sweep's repeats do: repeats of one seed were identical
                    // trainings, so the runs replicated only the measurement (a review, 2026-12-02)
                    long seed = train.seed + repeat.merge(p, 1, Integer::sum) - 1;
                    TrainingOptions options = train.builder(Precision.fromCliName(p)).seed(seed).host(powerConfig.host()).runId(runId)
                            .saveModel(infer && p.equals("fp32") ? dataDir.resolve("models").resolve(runId + ".ampwmodel") : null)
                            .build();
                    System.out.printf("[%d/%d] training %s: run %s, %d epochs, seed %d ...%n", ++i, order.size(), p, options.runId(),
                            options.epochs(), options.seed());
                    device.train(options, publisher, ProgressBar.forTerminal());
                    runIds.add(options.runId());
                    if (options.modelFile().isPresent()) {
                        models.add(options);
                    }
                }
                if (infer && infer(models, shuffleSeed, publisher, powerConfig.host(), device.device(), lifetime, inferenceIds)) {
                    return 130;
                }
            }
            runIds.addAll(inferenceIds);
            Duration wait = analyzer.grace.plus(analyzer.maxGap).plus(Duration.ofSeconds(30));
            Map<String, RunEnergy> finals = watcher.awaitFinal(runIds, wait);
            List<RunEnergy> ordered = runIds.stream().filter(finals::containsKey).map(finals::get).toList();
            ResultTable.print(System.out, ordered.stream().filter(r -> !inferenceIds.contains(r.getRunId())).toList());
            ResultTable.printInference(System.out, ordered.stream().filter(r -> inferenceIds.contains(r.getRunId())).toList());
            if (ordered.size() < runIds.size()) {
                System.err.println("ampwatch: final totals of " + (runIds.size() - ordered.size()) + " run(s) did not arrive within " + wait);
                return 1;
            }
            ExperimentStats stats = statsWatcher.await(train.scope.experimentId, runIds.size(), Duration.ofSeconds(60));
            if (stats == null) {
                System.err.println("ampwatch: the analyzer wrote no statistics for experiment " + train.scope.experimentId + " within 60 s");
                return 1;
            }
            Verdicts.print(System.out, stats);
            Path html = report != null ? report : dataDir.resolve("report.html");
            try {
                ReportCommand.fromTopics(client, config.topics(), train.scope.experimentId, stats, html);
                System.out.println("report: " + html.toAbsolutePath() + " (and " + ReportCommand.csvNextTo(html) + ")");
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("ampwatch: could not write the report " + html + ": " + e.getMessage());
            }
            if (duration == null || !duration.isZero()) { // with --duration 0s they go away at once: nothing to curl
                System.out.println("\nPrometheus metrics: curl http://" + analyzer.metricsHost + ":" + app.httpPort()
                        + "/metrics | grep ampwatch_run" + (duration == null ? "   (Ctrl-C to stop)" : "   (for " + duration.toSeconds() + " s)"));
            }
            lifetime.await(duration);
            return 0;
        } finally {
            lifetime.closed();
        }
    }
}
