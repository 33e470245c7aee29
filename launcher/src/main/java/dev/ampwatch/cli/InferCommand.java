package dev.ampwatch.cli;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.DeviceChoice;
import dev.ampwatch.trainer.InferenceJob;
import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.DatasetResolver;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.model.ModelFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Runs a saved model (train --save-model) over the test split, batch by batch, --repeats times, once per "
                + "precision, and publishes each as an inference run: the analyzer attributes its energy (joules_per_sample "
                + "is energy per inference, x 1,000 per 1,000 inferences) and the statistics compare each precision with fp32."})
final class InferCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "The saved model (ampwatch train --save-model).")
    Path model;

    @Option(names = "--precision", split = ",", defaultValue = "fp32,fp16,bf16,int8",
            description = "Inference precisions, one run each, in this order: fp32, fp16, bf16, int8 (post-training quantized, "
                    + "calibrated on the validation split), int4 (W4A8: 4-bit weights in groups of 64 inputs, INT8 activations), "
                    + "fp8 (E4M3, per-tensor scales: the FP8 tensor cores of sm_89+ GPUs, "
                    + "else its numerics on the CPU) (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--repeats", defaultValue = "3", description = "Passes over the test split per run (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--batch-size", defaultValue = "256", description = "Samples per request (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--device", defaultValue = "auto", converter = DeviceConverter.class,
            description = "auto (GPU 0 when it works for the precision, else the CPU, saying why), cpu, gpu or gpuN "
                    + "(default: ${DEFAULT-VALUE}). On the GPU: fp16/bf16 on tensor cores, int8 on the integer tensor cores "
                    + "(sm_80+) or dp4a, int4 through dp4a, fp8 on the FP8 tensor cores (sm_89+).")
    String device;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Before each precision's run, a short pass (2,000 test samples) published as a run of experiment "
                    + "<experiment-id>" + dev.ampwatch.trainer.WarmUp.SUFFIX + ", so the measured run does not pay for the JIT "
                    + "compiling its code path and the precisions' order does not matter (default: on).")
    boolean warmUp;

    @Mixin
    RunScopeOptions scope;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PublishOptions publish;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (repeats < 1 || batchSize < 1) { // named, before anything is printed or read (a review)
            throw new CommandLine.ParameterException(spec.commandLine(), repeats < 1
                    ? "--repeats " + repeats + " is not a number of passes: give 1 or more"
                    : "--batch-size " + batchSize + " is not a batch size: give 1 or more");
        }
        for (String p : precisions) {
            if (!InferenceJob.PRECISIONS.contains(p)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--precision " + p + ": one of " + InferenceJob.PRECISIONS);
            }
        }
        ModelFile.SavedModel saved = ModelFile.read(model);
        Dataset data = DatasetResolver.forModel(Optional.ofNullable(scope.dataset), saved, 0, scope.testLimit, 42);
        if (data.featureCount() != saved.spec().inputs()) {
            throw new CommandLine.ParameterException(spec.commandLine(), model + " takes " + saved.spec().inputs()
                    + " inputs; " + data.name() + " has " + data.featureCount());
        }
        String hostId = HostId.orLocal(scope.host);
        System.out.printf("%-6s %-36s %12s %14s %10s %10s%n", "prec", "run", "acc|rmse", "inferences/s", "p50 [ms]", "p99 [ms]");
        java.util.Map<String, Object> client = kafka.reachableClientProperties();
        PipelineCheck.warnIfUnmeasured(client, kafka.topics(), hostId, System.err::println, "infer");
        try (KafkaTrainingPublisher publisher = publish.publisher(client, kafka, new java.io.PrintWriter(System.err, true), "infer")) {
            for (String precision : precisions) {
                String runId = UUID.randomUUID().toString();
                List<EpochMetrics> passes;
                DeviceChoice choice;
                try {
                    choice = DeviceChoice.pickForInference(device, precision, scope.threadsOrAllCores());
                } catch (IllegalArgumentException e) { // the device, not the command line: no usage text (a review)
                    System.err.println("ampwatch infer: " + precision + ": " + e.getMessage());
                    return 1;
                }
                System.out.println(precision + ": " + choice.explanation());
                if (warmUp) { // a review: pass 1 of a cold run cost 1.2-1.8x the later ones, int8 first 21.8 J/1000, second 15.3
                    InferenceJob.warmUp(saved, List.of(precision), batchSize, device, scope.threadsOrAllCores(), hostId, data,
                            scope.experimentId, publisher);
                }
                try (Backend backend = choice.backend()) {
                    passes = new InferenceJob(saved, new InferenceJob.Options(precision, batchSize, repeats, runId, scope.experimentId,
                            hostId), backend, InstantSource.system(), publisher).run(data);
                }
                EpochMetrics last = passes.get(passes.size() - 1);
                PassSummary all = PassSummary.of(passes); // over the passes, as the analyzer's /runs has them
                System.out.printf(java.util.Locale.ROOT, "%-6s %-36s %12s %14s %10s %10s%n", precision, runId,
                        ResultTable.quality(last), PassSummary.fixed(all.inferencesPerSecond(), 0), PassSummary.fixed(all.latencyP50Ms(), 3),
                        PassSummary.fixed(all.latencyP99Ms(), 3));
            }
        }
        System.out.println("inferences/s over all passes, latency = time of one batch (median over the passes); accuracy of the last pass.");
        System.out.println("energy per 1,000 inferences: 1,000 x joules_per_sample of each run (GET /runs/{id} of the analyzer, "
                + "ampwatch_run_energy_per_1000_inferences_joules on /metrics, or `ampwatch report`); run infer again with the"
                + " same --experiment-id for repeats: the statistics compare precisions from 2 runs each");
        return 0;
    }
}
