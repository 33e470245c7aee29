package dev.ampwatch.trainer.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import java.util.Locale;

/**
 * An event as one line of replay's JSON, which {@link TrainingEventJson#parse} reads back to an equal event (the round
 * trip the tests of the format rest on); fields that are null (or their default) are left out. Stateless.
 */
public final class TrainingEventJsonWriter {
    private TrainingEventJsonWriter() {}

    public static String toJson(TrainingEvent e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("run_id", e.getRunId());
        o.put("experiment_id", e.getExperimentId());
        o.put("host", e.getHost());
        if (!e.getDevices().isEmpty()) {
            ArrayNode devices = o.putArray("devices");
            e.getDevices().forEach(devices::add);
        }
        o.put("event_time", e.getEventTime().toString());
        o.put("kind", e.getKind().name());
        if (e.getEpoch() != null) {
            o.put("epoch", e.getEpoch());
        }
        if (e.getConfig() != null) {
            config(o.putObject("config"), e.getConfig());
        }
        if (e.getMetrics() != null) {
            metrics(o.putObject("metrics"), e.getMetrics());
        }
        putIfSet(o, "failure_reason", e.getFailureReason());
        try {
            return JsonFields.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write an event as JSON", ex);
        }
    }

    private static void config(ObjectNode n, RunConfig c) {
        n.put("precision", c.getPrecision());
        n.put("batch_size", c.getBatchSize());
        ArrayNode hidden = n.putArray("hidden_units");
        c.getHiddenUnits().forEach(hidden::add);
        if (!c.getConvLayers().isEmpty()) {
            ArrayNode conv = n.putArray("conv_layers");
            c.getConvLayers().forEach(l -> conv.add(new dev.ampwatch.trainer.model.ConvLayer(l.getChannels(), l.getKernel(),
                    l.getStride()).toString()));
        }
        n.put("epochs", c.getEpochs());
        n.put("learning_rate", c.getLearningRate());
        n.put("optimizer", c.getOptimizer());
        n.put("dataset", c.getDataset());
        if (c.getDatasetSynthetic()) {
            n.put("dataset_synthetic", true);
        }
        n.put("train_samples", c.getTrainSamples());
        n.put("parameter_count", c.getParameterCount());
        putIfSet(n, "flops_per_sample", c.getFlopsPerSample());
        n.put("device_name", c.getDeviceName());
        n.put("backend", c.getBackend());
        if (c.getSeed() != null) {
            n.put("seed", c.getSeed());
        }
        putIfSet(n, "learning_rate_schedule", c.getLearningRateSchedule());
        if (c.getValidationSamples() != null) {
            n.put("validation_samples", c.getValidationSamples());
        }
        putIfSet(n, "phase", c.getPhase() == null ? null : c.getPhase().name().toLowerCase(Locale.ROOT));
        putIfSet(n, "task", c.getTask() == null ? null : c.getTask().name().toLowerCase(Locale.ROOT));
        if (c.getBenchmark()) {
            n.put("benchmark", true);
        }
        if (c.getWholeCommand()) {
            n.put("whole_command", true); // follow --whole-run's run, saved for replay: still never pooled with trainer-reported runs
        }
    }

    private static void metrics(ObjectNode n, EpochMetrics m) {
        n.put("loss", m.getLoss());
        putIfSet(n, "train_accuracy", m.getTrainAccuracy());
        putIfSet(n, "validation_accuracy", m.getValidationAccuracy());
        putIfSet(n, "test_accuracy", m.getTestAccuracy());
        n.put("samples", m.getSamples());
        n.put("samples_per_second", m.getSamplesPerSecond());
        n.put("duration_ms", m.getDurationMs());
        if (m.getSkippedSteps() != 0) {
            n.put("skipped_steps", m.getSkippedSteps());
        }
        putIfSet(n, "latency_p50_ms", m.getLatencyP50Ms());
        putIfSet(n, "latency_p95_ms", m.getLatencyP95Ms());
        putIfSet(n, "latency_p99_ms", m.getLatencyP99Ms());
        putIfSet(n, "train_rmse", m.getTrainRmse());
        putIfSet(n, "validation_rmse", m.getValidationRmse());
        putIfSet(n, "test_rmse", m.getTestRmse());
        putIfSet(n, "test_mae", m.getTestMae());
        putIfSet(n, "test_r2", m.getTestR2());
    }

    private static void putIfSet(ObjectNode n, String field, Double value) {
        if (value != null) {
            n.put(field, value);
        }
    }

    private static void putIfSet(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }
}
