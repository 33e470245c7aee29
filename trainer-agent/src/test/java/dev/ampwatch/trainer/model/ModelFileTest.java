package dev.ampwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.data.Standardization;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model file format: byte for byte as documented, round trips bit for bit, refuses what it cannot trust. */
class ModelFileTest {
    @TempDir
    Path dir;

    /** 2 inputs, one hidden neuron, 2 classes: 7 parameters. */
    static ModelFile.SavedModel tiny() {
        return new ModelFile.SavedModel(new ModelSpec(2, List.of(1), 2), new Standardization(0.5, 0.25),
                new ModelParameters(List.of(new float[] {1.5f, -2.0f}, new float[] {3.0f, -0.5f}),
                        List.of(new float[] {0.25f}, new float[] {0.125f, -1.0f})), Map.of("run_id", "r"));
    }

    /**
     * The exact bytes of the format, from its description alone (Python):
     * <pre>
     * import struct, hashlib
     * header = b'{"inputs":2,"hidden_units":[1],"classes":2,"activation":"relu",'
     *          b'"input_standardization":{"mean":0.5,"std":0.25},"trained":{"run_id":"r"}}'
     * floats = [1.5, -2.0, 0.25, 3.0, -0.5, 0.125, -1.0]   # W0, b0, W1, b1
     * body = b'AMPWMODL' + struct.pack('<i', 1) + struct.pack('<i', len(header)) + header \
     *        + b''.join(struct.pack('<f', f) for f in floats)
     * len(body), hashlib.sha256(body + hashlib.sha256(body).digest()).hexdigest()
     * # 180, '0dd52f254872120253c324e06e6478a24421b7013e932606e62ce1a121a48d1c'
     * </pre>
     */
    @Test
    void writesTheDocumentedLayout() throws Exception {
        Path file = dir.resolve("tiny.ampwmodel");
        ModelFile.write(file, tiny());
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize(180 + 32);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                .isEqualTo("0dd52f254872120253c324e06e6478a24421b7013e932606e62ce1a121a48d1c");
        assertThat(dir.resolve("tiny.ampwmodel.tmp")).doesNotExist();
    }

    @Test
    void roundTripsEveryBit(@TempDir Path tmp) throws IOException {
        Random random = new Random(7);
        ModelSpec spec = new ModelSpec(13, List.of(7, 5), 3);
        int[] w = spec.widths();
        List<float[]> weights = new java.util.ArrayList<>();
        List<float[]> biases = new java.util.ArrayList<>();
        for (int l = 0; l + 1 < w.length; l++) {
            float[] wl = new float[w[l] * w[l + 1]];
            for (int i = 0; i < wl.length; i++) {
                wl[i] = (float) random.nextGaussian();
            }
            wl[0] = -0.0f;
            wl[1] = Float.MIN_VALUE; // subnormal
            wl[2] = Float.MAX_VALUE;
            float[] bl = new float[w[l + 1]];
            bl[0] = 1e-30f;
            weights.add(wl);
            biases.add(bl);
        }
        ModelFile.SavedModel model = new ModelFile.SavedModel(spec, new Standardization(0.28604, 0.35302),
                new ModelParameters(weights, biases), Map.of("run_id", "run-1", "precision", "amp-bf16", "note", "ünïcode"));
        Path file = tmp.resolve("deep/er/model.ampwmodel");
        ModelFile.write(file, model);
        ModelFile.SavedModel read = ModelFile.read(file);
        assertThat(read.spec()).isEqualTo(spec);
        assertThat(read.input()).isEqualTo(model.input());
        assertThat(read.trained()).isEqualTo(model.trained());
        for (int l = 0; l < weights.size(); l++) {
            assertThat(bits(read.parameters().weights().get(l))).isEqualTo(bits(weights.get(l)));
            assertThat(bits(read.parameters().biases().get(l))).isEqualTo(bits(biases.get(l)));
        }
    }

    @Test
    void aCnnRoundTripsWithItsConvolutionLayers(@TempDir Path tmp) throws IOException {
        ModelSpec spec = new ModelSpec(64, List.of(5), 3, ConvLayer.parseList("c4k3s1,c6k5s2"));
        Random random = new Random(9);
        List<float[]> weights = new java.util.ArrayList<>();
        List<float[]> biases = new java.util.ArrayList<>();
        for (LayerShape layer : spec.layers()) {
            float[] wl = new float[(int) layer.weightCount()];
            for (int i = 0; i < wl.length; i++) {
                wl[i] = (float) random.nextGaussian();
            }
            weights.add(wl);
            biases.add(new float[layer.out()]);
        }
        ModelFile.SavedModel model = new ModelFile.SavedModel(spec, new Standardization(0.5, 0.25),
                new ModelParameters(weights, biases), Map.of());
        Path file = tmp.resolve("cnn.ampwmodel");
        ModelFile.write(file, model);
        ModelFile.SavedModel read = ModelFile.read(file);
        assertThat(read.spec()).isEqualTo(spec);
        assertThat(read.spec().convolutions()).extracting(Object::toString).containsExactly("c4k3s1", "c6k5s2");
        for (int l = 0; l < weights.size(); l++) {
            assertThat(bits(read.parameters().weights().get(l))).isEqualTo(bits(weights.get(l)));
        }
        // the same tensors under an MLP header do not fit: what an ampwatch from before convolutions would say
        ModelSpec mlp = new ModelSpec(64, List.of(5), 3);
        assertThatThrownBy(() -> new ModelFile.SavedModel(mlp, model.input(), model.parameters(), Map.of()))
                .hasMessageContaining("4 layers of parameters for a model of 2");
    }

    /** Version 2: a regression of a table keeps its task, target scaling and the table's columns; the rest as version 1. */
    @Test
    void aTablesRegressionRoundTripsInVersion3AndAModelOfTheShuffledSplitInVersion2() throws IOException {
        ModelFile.SavedModel v1 = tiny();
        dev.ampwatch.trainer.data.TableSchema table = new dev.ampwatch.trainer.data.TableSchema("price", List.of(
                new dev.ampwatch.trainer.data.TableSchema.Column("area", 101.5, 46.25),
                new dev.ampwatch.trainer.data.TableSchema.Column("rooms \"quoted\"", 3.5, 1.75)), List.of());
        ModelFile.SavedModel regression = new ModelFile.SavedModel(new ModelSpec(2, List.of(1), 1), v1.input(),
                new ModelParameters(List.of(new float[] {1.5f, -2.0f}, new float[] {3.0f}), List.of(new float[] {0.25f},
                        new float[] {0.125f})), Map.of("run_id", "r"), Task.REGRESSION, new Standardization(250000, 80000), table);
        Path file = dir.resolve("reg.ampwmodel");
        ModelFile.write(file, regression);
        assertThat(Files.readAllBytes(file)[8]).as("rows split by content").isEqualTo((byte) 3);
        ModelFile.SavedModel read = ModelFile.read(file);
        assertThat(read.table().splitByRowContent()).isTrue();
        assertThat(read.task()).isEqualTo(Task.REGRESSION);
        assertThat(read.target()).isEqualTo(new Standardization(250000, 80000));
        assertThat(read.table()).isEqualTo(table);
        assertThat(read.parameters().weights().get(1)).containsExactly(3.0f);
        // a model saved before 2026-12-01: no split in its table, format version 2, read as it was written
        dev.ampwatch.trainer.data.TableSchema shuffled = new dev.ampwatch.trainer.data.TableSchema("price", table.features(),
                List.of(), "ab12", null, null);
        Path old = dir.resolve("v2.ampwmodel");
        ModelFile.write(old, new ModelFile.SavedModel(regression.spec(), regression.input(), regression.parameters(),
                regression.trained(), Task.REGRESSION, regression.target(), shuffled));
        assertThat(Files.readAllBytes(old)[8]).isEqualTo((byte) 2);
        assertThat(ModelFile.read(old).table()).isEqualTo(shuffled);
        assertThat(ModelFile.read(old).table().splitByRowContent()).isFalse();
        // rows split by a key column: the column's name travels with the model
        dev.ampwatch.trainer.data.TableSchema bySite = new dev.ampwatch.trainer.data.TableSchema("price", table.features(),
                List.of(), "ab12", "key-hash", "site");
        Path keyed = dir.resolve("keyed.ampwmodel");
        ModelFile.write(keyed, new ModelFile.SavedModel(regression.spec(), regression.input(), regression.parameters(),
                regression.trained(), Task.REGRESSION, regression.target(), bySite));
        assertThat(Files.readAllBytes(keyed)[8]).isEqualTo((byte) 3);
        assertThat(ModelFile.read(keyed).table()).isEqualTo(bySite);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new dev.ampwatch.trainer.data.TableSchema("price", table.features(),
                List.of(), null, "key-hash", null)).hasMessageContaining("names its column");
        // rows split by time: the column and both cut-offs travel with the model
        dev.ampwatch.trainer.data.TableSchema byDay = new dev.ampwatch.trainer.data.TableSchema("price", table.features(),
                List.of(), "ab12", "time", "day", 1.7e9, 1.69e9);
        Path timed = dir.resolve("timed.ampwmodel");
        ModelFile.write(timed, new ModelFile.SavedModel(regression.spec(), regression.input(), regression.parameters(),
                regression.trained(), Task.REGRESSION, regression.target(), byDay));
        assertThat(ModelFile.read(timed).table()).isEqualTo(byDay);
        Path classic = dir.resolve("v1.ampwmodel");
        ModelFile.write(classic, v1);
        assertThat(Files.readAllBytes(classic)[8]).as("a classifier of images stays version 1").isEqualTo((byte) 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ModelFile.SavedModel(new ModelSpec(3, List.of(1), 1),
                v1.input(), new ModelParameters(List.of(new float[3], new float[1]), List.of(new float[1], new float[1])),
                Map.of(), Task.REGRESSION, new Standardization(0, 1), table)).hasMessageContaining("2 feature columns, the model 3 inputs");
    }

    @Test
    void refusesAnotherVersion() throws IOException {
        Path file = dir.resolve("v4.ampwmodel");
        ModelFile.write(file, tiny());
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = 4;
        Files.write(file, resealed(bytes));
        assertThatThrownBy(() -> ModelFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file + " is a model file of format version 4; this ampwatch reads versions 1 to 3");
    }

    @Test
    void refusesAChangedByteATruncatedCopyAndOtherFiles() throws IOException {
        Path file = dir.resolve("m.ampwmodel");
        ModelFile.write(file, tiny());
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[170] ^= 0x01; // a bit of the last bias
        Files.write(file, flipped);
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining("model file " + file + " is corrupt")
                .hasMessageContaining("SHA-256").hasMessageContaining("a changed byte or a truncated copy");

        Files.write(file, Arrays.copyOf(good, good.length - 10));
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining("is corrupt").hasMessageContaining("SHA-256");

        Files.writeString(file, "loss,accuracy\n0.3,0.88\n");
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessage(file + " is not an ampwatch model file (it does not start with AMPWMODL)");

        assertThatThrownBy(() -> ModelFile.read(dir.resolve("nothing.ampwmodel"))).hasMessageContaining("does not exist");
    }

    /** A header that promises other shapes than the tensors hold is refused even with a valid checksum. */
    @Test
    void refusesTensorsThatDoNotFitTheHeader() throws IOException {
        Path file = dir.resolve("m.ampwmodel");
        ModelFile.write(file, tiny());
        byte[] bytes = Files.readAllBytes(file);
        String header = new String(bytes, 16, ByteBuffer.wrap(bytes, 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(),
                StandardCharsets.UTF_8);
        assertThat(header).contains("\"hidden_units\":[1]");
        byte[] changed = header.replace("\"hidden_units\":[1]", "\"hidden_units\":[3]").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(changed, 0, bytes, 16, changed.length); // same length
        Files.write(file, resealed(bytes));
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining("is corrupt")
                .hasMessageContaining("describes 17 parameters (68 bytes) but it holds 28 bytes");
    }

    /** The file with its checksum recomputed, as a careless tool that rewrites the content would leave it. */
    private static byte[] resealed(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(bytes, bytes.length - 32));
            byte[] out = bytes.clone();
            System.arraycopy(digest, 0, out, bytes.length - 32, 32);
            return out;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
