package dev.ampwatch.trainer.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.TrainingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainingEventJsonTest {
    static final String BASE = "\"run_id\":\"r1\",\"experiment_id\":\"e1\",\"host\":\"rig-1\",";

    @Test
    void readsARunStartedEventWithItsConfig() {
        TrainingEvent e = TrainingEventJson.parse("{" + BASE + "\"devices\":[\"gpu0\",\"gpu1\"],"
                + "\"event_time\":\"2026-11-23T10:00:00.250Z\",\"kind\":\"RUN_STARTED\",\"config\":{\"precision\":\"amp-bf16\","
                + "\"batch_size\":256,\"hidden_units\":[512,256],\"epochs\":2,\"learning_rate\":0.05,\"optimizer\":\"adam\","
                + "\"dataset\":\"fashion-mnist\",\"train_samples\":60000,\"parameter_count\":535818,"
                + "\"device_name\":\"NVIDIA H100\",\"backend\":\"pytorch\",\"seed\":7}}");
        assertThat(e.getRunId()).isEqualTo("r1");
        assertThat(e.getExperimentId()).isEqualTo("e1");
        assertThat(e.getHost()).isEqualTo("rig-1");
        assertThat(e.getDevices()).containsExactly("gpu0", "gpu1");
        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:00.250Z"));
        assertThat(e.getKind()).isEqualTo(EventKind.RUN_STARTED);
        RunConfig c = e.getConfig();
        assertThat(c.getPrecision()).isEqualTo("amp-bf16");
        assertThat(c.getBatchSize()).isEqualTo(256);
        assertThat(c.getHiddenUnits()).containsExactly(512, 256);
        assertThat(c.getLearningRate()).isEqualTo(0.05);
        assertThat(c.getDatasetSynthetic()).isFalse();
        assertThat(c.getFlopsPerSample()).isNull();
        assertThat(c.getSeed()).isEqualTo(7L);
    }

    /** "FP32" is fp32: the reference the statistics compare with is matched by name (a user's review). */
    @Test
    void precisionIsReadInLowerCase() {
        TrainingEvent e = TrainingEventJson.parse("{" + BASE + "\"event_time\":\"2026-11-23T10:00:00Z\",\"kind\":\"RUN_STARTED\","
                + "\"config\":{\"precision\":\" FP32 \",\"batch_size\":64,\"hidden_units\":[8],\"epochs\":2,\"learning_rate\":0.05,\"optimizer\":\"sgd\","
                + "\"dataset\":\"d\",\"train_samples\":100,\"parameter_count\":10,\"device_name\":\"cpu\",\"backend\":\"pytorch\"}}");
        assertThat(e.getConfig().getPrecision()).isEqualTo("fp32");
    }

    @Test
    void readsEpochMetricsAndEpochSecondsAndMillis() {
        TrainingEvent e = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428005.5,\"kind\":\"epoch_completed\","
                + "\"epoch\":1,\"metrics\":{\"loss\":0.53,\"test_accuracy\":0.84,\"samples\":60000,"
                + "\"samples_per_second\":12000,\"duration_ms\":5000}}");
        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:05.500Z"));
        assertThat(e.getKind()).isEqualTo(EventKind.EPOCH_COMPLETED);
        assertThat(e.getDevices()).isEmpty();
        EpochMetrics m = e.getMetrics();
        assertThat(m.getLoss()).isEqualTo(0.53);
        assertThat(m.getTrainAccuracy()).isNull();
        assertThat(m.getTestAccuracy()).isEqualTo(0.84);
        assertThat(m.getSamplesPerSecond()).isEqualTo(12000.0);
        assertThat(m.getSkippedSteps()).isZero();
        assertThat(TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428005500,\"kind\":\"RUN_COMPLETED\"}")
                .getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:05.500Z"));
        assertThat(TrainingEventJson.parse("{" + BASE + "\"event_time\":\"1795428005.5\",\"kind\":\"RUN_FAILED\","
                + "\"failure_reason\":\"OOM\",\"epoch\":null}").getFailureReason()).isEqualTo("OOM");
    }

    @Test
    void writesWhatItReads() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("../docs/examples/events.jsonl")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(lines).hasSize(6);
        for (String line : lines) {
            TrainingEvent e = TrainingEventJson.parse(line);
            assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(e))).isEqualTo(e);
        }
        assertThat(lines.stream().map(TrainingEventJson::parse).map(TrainingEvent::getKind)).containsExactly(
                EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"runId\":\"x\"}                                           | runId: is not a known field (did you mean run_id?); accepted: run_id, experiment_id",
        "{\"run_id\":\"r\",\"run_id\":\"s\"}                         | is not valid JSON at character",
        "{\"run_id\":\"r\"                                           | is not valid JSON",
        "[1,2]                                                       | is a JSON array, not an object",
        "{\"run_id\":\"r\"} {}                                       | is not valid JSON",
        "{\"experiment_id\":\"e\"}                                   | run_id: is required",
        "{\"run_id\":5}                                              | run_id: \"5\" must be a string",
        "{\"run_id\":\" \"}                                          | run_id: \" \" must not be blank",
    })
    void refusesMalformedLines(String line, String message) {
        assertThatThrownBy(() -> TrainingEventJson.parse(line)).isInstanceOf(JsonFieldException.class)
                .hasMessageContaining(message.strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"event_time\":\"2026-11-23T10:00:00\",\"kind\":\"RUN_STARTED\"   | event_time: \"2026-11-23T10:00:00\" has no UTC offset; write it as 2026-11-23T10:00:00Z (UTC) or with an offset such as 2026-11-23T10:00:00+01:00 (JSON timestamps carry their offset; --time-zone is for CSV)",
        "\"event_time\":true,\"kind\":\"RUN_STARTED\"                       | event_time: \"true\" is not a timestamp; expected an ISO-8601",
        "\"kind\":\"RUN_STARTED\"                                           | event_time: is required",
        "\"event_time\":1,\"kind\":\"STARTED\"                              | kind: \"STARTED\" is not an event kind; accepted (any case): RUN_STARTED, EPOCH_STARTED, EPOCH_COMPLETED, RUN_COMPLETED, RUN_FAILED",
        "\"event_time\":1,\"kind\":\"EPOCH_STARTED\"                        | epoch: is required for EPOCH_STARTED",
        "\"event_time\":1,\"kind\":\"EPOCH_STARTED\",\"epoch\":0            | epoch: \"0\" must be 1 or more",
        "\"event_time\":1,\"kind\":\"EPOCH_STARTED\",\"epoch\":1.5          | epoch: \"1.5\" must be an integer",
        "\"event_time\":1,\"kind\":\"RUN_COMPLETED\",\"metrics\":{}         | metrics: belongs on EPOCH_COMPLETED events, not on RUN_COMPLETED",
        "\"event_time\":1,\"kind\":\"RUN_STARTED\",\"config\":{\"batch\":1}  | config.batch: is not a known field; accepted in config: precision, batch_size",
        "\"event_time\":1,\"kind\":\"RUN_STARTED\",\"config\":{}             | config.precision: is required",
        "\"event_time\":1,\"kind\":\"RUN_STARTED\",\"config\":[]             | config: \"[]\" must be a JSON object",
        "\"event_time\":1,\"kind\":\"RUN_STARTED\",\"devices\":\"gpu0\"      | must be an array of strings, e.g. [\"gpu0\"]",
        "\"event_time\":1,\"kind\":\"EPOCH_COMPLETED\",\"epoch\":1,\"metrics\":{\"loss\":1,\"samples\":1,\"samples_per_second\":1,\"duration_ms\":1,\"test_accuracy\":84.5} | metrics.test_accuracy: \"84.5\" must be a fraction from 0 to 1 (a percentage? write 0.845)",
        "\"event_time\":1,\"kind\":\"EPOCH_COMPLETED\",\"epoch\":1,\"metrics\":{\"loss\":1,\"samples\":1,\"samples_per_second\":1} | metrics.duration_ms: is required",
        "\"event_time\":1,\"kind\":\"RUN_FAILED\",\"failure_reason\":7      | failure_reason: \"7\" must be a string",
    })
    void namesTheFieldAndValueOfBadContent(String fields, String message) {
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + BASE + fields.strip() + "}"))
                .isInstanceOf(JsonFieldException.class)
                .hasMessageContaining(message.strip());
    }

    @Test
    void configWithEveryFieldRoundTrips() {
        TrainingEvent e = TrainingEventJson.parse("{" + BASE + "\"event_time\":\"2026-11-23T10:00:00.000001Z\",\"kind\":\"RUN_STARTED\","
                + "\"config\":{\"precision\":\"fp32\",\"batch_size\":1,\"hidden_units\":[],\"epochs\":1,\"learning_rate\":1e-3,"
                + "\"optimizer\":\"sgd\",\"dataset\":\"d\",\"dataset_synthetic\":true,\"train_samples\":0,\"parameter_count\":1,"
                + "\"flops_per_sample\":2.5e9,\"device_name\":\"cpu\",\"backend\":\"cpu\"}}");
        assertThat(e.getConfig().getDatasetSynthetic()).isTrue();
        assertThat(e.getConfig().getFlopsPerSample()).isEqualTo(2.5e9);
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(e))).isEqualTo(e);
    }

    /** An inference run: its phase, validation split and schedule in the config, batch latencies in an epoch. */
    @Test
    void phaseValidationAndLatencyFieldsRoundTrip() {
        TrainingEvent start = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + "\"config\":{\"precision\":\"int8\",\"batch_size\":64,\"hidden_units\":[256,128],\"epochs\":3,"
                + "\"learning_rate\":0.05,\"optimizer\":\"sgd-momentum\",\"dataset\":\"d\",\"train_samples\":10000,"
                + "\"parameter_count\":235146,\"phase\":\"inference\",\"validation_samples\":5000,"
                + "\"learning_rate_schedule\":\"cosine\",\"device_name\":\"cpu\",\"backend\":\"cpu\"}}");
        assertThat(start.getConfig().getPhase()).isEqualTo(RunPhase.INFERENCE);
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(start))).isEqualTo(start);
        TrainingEvent epoch = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428002,\"kind\":\"EPOCH_COMPLETED\","
                + "\"epoch\":1,\"metrics\":{\"loss\":0.3,\"samples\":10000,\"samples_per_second\":5000,\"duration_ms\":2000,\"validation_accuracy\":0.88,"
                + "\"latency_p50_ms\":1.5,\"latency_p95_ms\":2.25,\"latency_p99_ms\":4}}");
        assertThat(epoch.getMetrics().getLatencyP99Ms()).isEqualTo(4.0);
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(epoch))).isEqualTo(epoch);
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + "\"config\":{\"precision\":\"fp32\",\"batch_size\":1,\"hidden_units\":[],\"epochs\":1,\"learning_rate\":1,"
                + "\"optimizer\":\"o\",\"dataset\":\"d\",\"train_samples\":0,\"parameter_count\":1,\"device_name\":\"cpu\",\"backend\":\"cpu\",\"phase\":\"serving\"}}"))
                .hasMessageContaining("config.phase").hasMessageContaining("training or inference");
    }

    /** A CNN's convolution layers in their text form, round trip; a malformed one names its index. */
    @Test
    void convLayersRoundTripAndAreChecked() {
        String config = "\"config\":{\"precision\":\"amp-bf16\",\"batch_size\":256,\"hidden_units\":[256],\"epochs\":1,"
                + "\"learning_rate\":0.05,\"optimizer\":\"sgd-momentum\",\"dataset\":\"d\",\"train_samples\":60000,"
                + "\"parameter_count\":1,\"device_name\":\"cpu\",\"backend\":\"pytorch\",\"conv_layers\":%s}}";
        TrainingEvent start = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "[\"c32k3s1\",\"c64k3s2\"]"));
        assertThat(start.getConfig().getConvLayers()).extracting(l -> l.getChannels() + "/" + l.getKernel() + "/" + l.getStride())
                .containsExactly("32/3/1", "64/3/2");
        assertThat(TrainingEventJsonWriter.toJson(start)).contains("\"conv_layers\":[\"c32k3s1\",\"c64k3s2\"]");
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(start))).isEqualTo(start);
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "[\"c32k3s1\",\"3x3\"]")))
                .hasMessageContaining("config.conv_layers[1]").hasMessageContaining("expected c<channels>k<kernel>s<stride>");
    }

    @Test
    void aRegressionsTaskAndErrorsRoundTripAndAreChecked() {
        String config = "\"config\":{\"precision\":\"amp-fp16\",\"batch_size\":64,\"hidden_units\":[64],\"epochs\":3,"
                + "\"learning_rate\":0.001,\"optimizer\":\"adam\",\"dataset\":\"houses.parquet (target price)\","
                + "\"train_samples\":1000,\"parameter_count\":1,\"device_name\":\"cpu\",\"backend\":\"pytorch\",\"task\":%s}}";
        TrainingEvent start = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "\"regression\""));
        assertThat(start.getConfig().getTask()).isEqualTo(dev.ampwatch.schema.RunTask.REGRESSION);
        assertThat(start.getConfig().getBenchmark()).isFalse();
        TrainingEvent benchmark = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "\"classification\",\"benchmark\":true"));
        assertThat(benchmark.getConfig().getBenchmark()).as("statistics.md: producers other than sweep may flag it").isTrue();
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(benchmark))).isEqualTo(benchmark);
        // a whole command's run (follow --whole-run) saved for replay stays one: its span includes the start-up
        TrainingEvent whole = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "\"classification\",\"whole_command\":true"));
        assertThat(whole.getConfig().getWholeCommand()).isTrue();
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(whole))).isEqualTo(whole);
        assertThat(benchmark.getConfig().getWholeCommand()).isFalse();
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(start))).isEqualTo(start);
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428000,\"kind\":\"RUN_STARTED\","
                + String.format(config, "\"ranking\""))).hasMessageContaining("config.task")
                .hasMessageContaining("not a task (classification or regression)");

        String metrics = "\"metrics\":{\"loss\":0.2,\"samples\":1000,\"duration_ms\":900,\"samples_per_second\":1111.0,\"train_rmse\":1.5,"
                + "\"validation_rmse\":1.75,\"test_rmse\":%s,\"test_mae\":1.25,\"test_r2\":-0.5}}";
        TrainingEvent epoch = TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428001,\"kind\":\"EPOCH_COMPLETED\","
                + "\"epoch\":1," + String.format(metrics, "1.625"));
        assertThat(epoch.getMetrics().getTestRmse()).isEqualTo(1.625);
        assertThat(epoch.getMetrics().getTestR2()).as("worse than the mean is a negative R²").isEqualTo(-0.5);
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(epoch))).isEqualTo(epoch);
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + BASE + "\"event_time\":1795428001,\"kind\":\"EPOCH_COMPLETED\","
                + "\"epoch\":1," + String.format(metrics, "-1"))).hasMessageContaining("metrics.test_rmse");
    }
}
