package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** A changelog written by an earlier analyzer restores after an upgrade. */
class StateSchemaUpgradeTest {
    @Test
    void experimentRunsWrittenBeforeConfigurationsWereKeptStillDecode() throws Exception {
        Schema v1;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/ExperimentRuns.v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        Schema runSchema = v1.getField("runs").schema().getElementType();
        GenericRecord run = new GenericData.Record(runSchema);
        run.put("run_id", "r1");
        run.put("group", "fp32");
        run.put("status", "COMPLETED");
        run.put("energy_joules", 1234.5);
        run.put("average_power_watts", 250.0);
        run.put("duration_seconds", 4.9);
        run.put("end_us", 1_700_000_000_000_000L);
        GenericRecord runs = new GenericData.Record(v1);
        runs.put("experiment_id", "e1");
        runs.put("runs", List.of(run));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(runs);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        ExperimentRuns read = AnalyzerTopology.experimentRunsSerde().decode(bytes);

        assertThat(read.getExperimentId()).isEqualTo("e1");
        FinishedRun r = read.getRuns().get(0);
        assertThat(r.getRunId()).isEqualTo("r1");
        assertThat(r.getEnergyJoules()).isEqualTo(1234.5);
        assertThat(r.getAveragePowerWatts()).isEqualTo(250.0);
    }

    /**
     * v1: before live device totals; v2: before silent runs were closed; v3: before epochs were sealed;
     * v4: before the gaps between epochs were kept (forecasts); v5: before validation accuracy and latencies;
     * v6: before a regression's test RMSE; v7: before runs finalized by a quiet flush were kept (flushed_runs);
     * v8: before samples far ahead of their host's stream were held (jump_suspects); v9: before a device kept the end
     * of its latest run (last_run_end_us: the reading interval across it is not idle).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"HostState.v1.avsc", "HostState.v2.avsc", "HostState.v3.avsc",
            "HostState.v4.avsc", "HostState.v5.avsc", "HostState.v6.avsc", "HostState.v7.avsc", "HostState.v8.avsc",
            "HostState.v9.avsc"})
    void hostStateWrittenByEarlierAnalyzersStillDecodes(String version) throws Exception {
        Schema v1;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/" + version)) {
            v1 = new Schema.Parser().parse(in);
        }
        dev.ampwatch.analyzer.timeline.HostTimeline timeline = dev.ampwatch.analyzer.timeline.HostTimeline.create("h",
                dev.ampwatch.analyzer.AnalyzerConfig.defaults().attributionFor("h"), dev.ampwatch.analyzer.AnalyzerConfig.defaults().timeline(), 0);
        timeline.accept(dev.ampwatch.schema.TrainingEvent.newBuilder().setRunId("r").setExperimentId("e").setHost("h")
                .setEventTime(java.time.Instant.EPOCH).setKind(dev.ampwatch.schema.EventKind.RUN_STARTED).build(), 0);
        dev.ampwatch.analyzer.state.HostState current = timeline.state();
        // the state as an analyzer before this version wrote it: the current record read into the old layout
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<dev.ampwatch.analyzer.state.HostState>(current.getSchema()).write(current, encoder);
        encoder.flush();
        GenericRecord old = new org.apache.avro.generic.GenericDatumReader<GenericRecord>(current.getSchema(), v1)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        dev.ampwatch.analyzer.state.HostState read = StateSchemas.serde(dev.ampwatch.analyzer.state.HostState.class,
                dev.ampwatch.analyzer.state.HostState.getClassSchema(), "HostState.v1.avsc", "HostState.v2.avsc", "HostState.v3.avsc", "HostState.v4.avsc", "HostState.v5.avsc", "HostState.v6.avsc", "HostState.v7.avsc", "HostState.v8.avsc", "HostState.v9.avsc").decode(bytes);

        assertThat(read.getHost()).isEqualTo("h");
        assertThat(read.getHeartbeatRuns()).isEmpty();
        assertThat(read.getRunProgressUs()).containsKey("r");
    }

    /** The maps a v4 state lacks come back as empty maps the attribution can add to. */
    @Test
    void aRunRestoredFromV4TakesTheGapsBetweenItsEpochs() throws Exception {
        Schema v4;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/HostState.v4.avsc")) {
            v4 = new Schema.Parser().parse(in);
        }
        GenericRecord epoch = withDefaults(v4.getField("runs").schema().getElementType().getField("epochs").schema().getElementType());
        epoch.put("epoch", 1);
        epoch.put("start_us", 5L);
        epoch.put("components", java.util.Map.of());
        GenericRecord run = withDefaults(v4.getField("runs").schema().getElementType());
        run.put("run_id", "r");
        run.put("experiment_id", "e");
        run.put("start_us", 0L);
        run.put("status", "RUNNING");
        run.put("epochs", List.of(epoch));
        GenericRecord host = withDefaults(v4);
        host.put("host", "h");
        host.put("runs", List.of(run));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v4).encode(host);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        dev.ampwatch.analyzer.state.HostState read = TimelineCache.serde().decode(bytes);

        dev.ampwatch.analyzer.state.RunState restored = read.getRuns().get(0);
        restored.getBetween().merge("GPU", 1.0, Double::sum);
        restored.getEpochs().get(0).getBefore().merge("GPU", 2.0, Double::sum);
        assertThat(restored.getBetween()).containsEntry("GPU", 1.0);
        assertThat(restored.getEpochs().get(0).getBefore()).containsEntry("GPU", 2.0);
        assertThat(restored.getEpochs().get(0).getBeforeJoules()).isZero();
    }

    private static GenericRecord withDefaults(Schema schema) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            if (f.hasDefaultValue()) {
                r.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        return r;
    }

    /**
     * v2: before run settings; v3: before the phase (a v3 run reads as training); v4: before convolution layers (an MLP);
     * v5: before a regression's test RMSE; v6: before the GPUs and validation samples (one GPU, none: keys as before);
     * v7: before whole-command runs (a run its trainer reported).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ExperimentRuns.v2.avsc", "ExperimentRuns.v3.avsc", "ExperimentRuns.v4.avsc",
            "ExperimentRuns.v5.avsc", "ExperimentRuns.v6.avsc", "ExperimentRuns.v7.avsc"})
    void experimentRunsOfEarlierVersionsAreReadable(String version) throws Exception {
        Schema writer;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/" + version)) {
            writer = new Schema.Parser().parse(in);
        }
        assertThat(org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(ExperimentRuns.getClassSchema(), writer)
                .getType()).isEqualTo(org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(ExperimentRuns.getClassSchema().getField("runs").schema().getElementType().getField("settings").schema()
                .getTypes().get(1).getField("phase").defaultVal()).isEqualTo("training");
        assertThat(ExperimentRuns.getClassSchema().getField("runs").schema().getElementType().getField("settings").schema()
                .getTypes().get(1).getField("conv_layers").defaultVal()).isEqualTo("");
    }

    /**
     * A run with settings as the v3 analyzer (no phase) and the v4 analyzer (no convolution layers) wrote it restores
     * as an MLP, v3 as training, and keeps its configuration key: its statistics group it as before the upgrade.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ExperimentRuns.v3.avsc", "ExperimentRuns.v4.avsc"})
    void experimentRunsWithSettingsWrittenByV3AndV4RestoreAsMlps(String version) throws Exception {
        Schema writer;
        try (InputStream in = getClass().getResourceAsStream("/dev/ampwatch/analyzer/state/history/" + version)) {
            writer = new Schema.Parser().parse(in);
        }
        Schema runSchema = writer.getField("runs").schema().getElementType();
        GenericRecord settings = new GenericData.Record(runSchema.getField("settings").schema().getTypes().get(1));
        settings.put("precision", "amp-bf16");
        settings.put("batch_size", 64);
        settings.put("hidden_units", List.of(256, 128));
        settings.put("epochs", 3);
        settings.put("learning_rate", 0.05);
        settings.put("optimizer", "sgd-momentum");
        settings.put("dataset", "fashion-mnist");
        settings.put("dataset_synthetic", false);
        settings.put("train_samples", 55_000L);
        settings.put("device_name", "cpu (2 threads)");
        settings.put("backend", "cpu");
        settings.put("benchmark", false);
        boolean v4 = version.equals("ExperimentRuns.v4.avsc");
        if (v4) {
            settings.put("phase", "inference");
        }
        GenericRecord run = withDefaults(runSchema);
        run.put("run_id", "r1");
        run.put("group", "amp-bf16");
        run.put("status", "COMPLETED");
        run.put("energy_joules", 1234.5);
        run.put("average_power_watts", 50.0);
        run.put("duration_seconds", 24.7);
        run.put("end_us", 1_700_000_000_000_000L);
        run.put("settings", settings);
        GenericRecord runs = new GenericData.Record(writer);
        runs.put("experiment_id", "e1");
        runs.put("runs", List.of(run));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(runs);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        ExperimentRuns restored = AnalyzerTopology.experimentRunsSerde().decode(bytes);
        dev.ampwatch.analyzer.state.RunSettings read = restored.getRuns().get(0).getSettings();

        assertThat(read.getConvLayers()).as("written before convolution layers: an MLP").isEmpty();
        assertThat(read.getPhase()).isEqualTo(v4 ? "inference" : "training");
        assertThat(read.getHiddenUnits()).containsExactly(256, 128);
        assertThat(dev.ampwatch.analyzer.stats.ExperimentStatistics.compute(restored).getConfigurations())
                .extracting(dev.ampwatch.schema.ConfigurationSummary::getKey).containsExactly("precision=amp-bf16|batch_size=64|hidden_units=256,128|epochs=3|learning_rate=0.05"
                        + "|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=55000|device=cpu (2 threads)|backend=cpu"
                        + (v4 ? "|phase=inference" : ""));
    }

    /**
     * A changed state schema needs its previous version in the history, or a restore after the upgrade
     * cannot read what the previous analyzer wrote (it happened once: v2 was added late). When this fails:
     * copy the previous {@code .avsc} (from git) to {@code state/history/} as the next version, list it in the
     * serde, add it to the test above, and update the fingerprint here.
     */
    @Test
    void aChangedStateSchemaHasItsPreviousVersionInTheHistory() {
        assertThat(org.apache.avro.SchemaNormalization.parsingFingerprint64(dev.ampwatch.analyzer.state.HostState.getClassSchema()))
                .as("HostState changed: keep the previous one as HostState.v10.avsc").isEqualTo(2288527789365009799L);
        assertThat(org.apache.avro.SchemaNormalization.parsingFingerprint64(ExperimentRuns.getClassSchema()))
                .as("ExperimentRuns changed: keep the previous one as ExperimentRuns.v8.avsc").isEqualTo(-3766355624394362392L);
    }
}
