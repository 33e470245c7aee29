package dev.ampwatch.trainer.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampwatch.trainer.data.Standardization;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model on disk, so the same weights can be measured in every precision and on every backend.
 * Format version 1, little-endian:
 * <pre>
 * magic      8 bytes  "AMPWMODL"
 * version    int32    1
 * header     int32 n, then n bytes of UTF-8 JSON:
 *            {"inputs": 784, "conv_layers": ["c32k3s1", "c64k3s2"], "hidden_units": [256, 128], "classes": 10,
 *             "activation": "relu",
 *             "input_standardization": {"mean": 0.286, "std": 0.353},
 *             "trained": {"run_id": ..., "precision": ..., ...}}      (provenance: strings, free form)
 *            ("conv_layers", {@link ConvLayer}'s text, only when the model has convolutions: files of MLPs are as
 *            before, and an ampwatch from before convolutions refuses a CNN's file because its tensors do not fit)
 * tensors    per GEMM layer ({@link ModelSpec#layers()}), input side first: weights (in x out float32, row-major,
 *            y = x W + b; a convolution's rows in im2col order kernel row, kernel column, input channel), then bias
 *            (out float32)
 * checksum   32 bytes: SHA-256 of every byte before it
 * </pre>
 * Format version 2 (a regression, or a model trained on a table) adds to the header {@code "task": "regression"},
 * {@code "target_standardization": {"mean", "std"}} and {@code "table": {"target", "features": [{"name", "mean", "std"}],
 * "classes": [...], "source_sha256"}}; version 3 (every model trained on a table since 2026-12-01) adds {@code table.split}
 * ("row-hash": the rows split by their content; "key-hash" with {@code table.split_by}: by that column's value; "time" with
 * {@code split_by}, {@code test_from} and {@code validation_from}: by that column's time), so an older
 * reader refuses it rather than split the rows its own way;
 * version 1 is still written for every other model, so older readers keep reading those.
 * A file of another version, with another magic, a wrong checksum (a changed byte, a truncated copy), or
 * tensors that do not fit its header is refused with a message naming the file and what is wrong. Files are
 * written to a temporary name and moved into place, so a reader never sees half a model.
 */
public final class ModelFile {
    /**
     * What a file holds.
     *
     * @param task what the model learned; a regression has one output, read through {@code target}
     * @param target a regression's target scaling (the model's output is {@code (y - mean) / std}), else null
     * @param table how the model reads a table (its columns, their scaling, its classes), or null when it was not
     *     trained on one
     */
    public record SavedModel(ModelSpec spec, Standardization input, ModelParameters parameters, Map<String, String> trained,
            Task task, Standardization target, dev.ampwatch.trainer.data.TableSchema table) {
        public SavedModel {
            parameters.requireShape(spec);
            trained = Map.copyOf(trained);
            java.util.Objects.requireNonNull(task, "task");
            if ((task == Task.REGRESSION) != (target != null)) {
                throw new IllegalArgumentException("a regression, and only a regression, has a target scaling");
            }
            if (task == Task.REGRESSION && spec.classes() != 1) {
                throw new IllegalArgumentException("a regression has one output, not " + spec.classes());
            }
            if (table != null && table.features().size() != spec.inputs()) {
                throw new IllegalArgumentException("the table has " + table.features().size() + " feature columns, the model "
                        + spec.inputs() + " inputs");
            }
            if (table != null && task == Task.CLASSIFICATION && table.classes().size() != spec.classes()) {
                throw new IllegalArgumentException("the table names " + table.classes().size() + " classes, the model has "
                        + spec.classes());
            }
        }

        /** A classifier of images or generated data (format version 1). */
        public SavedModel(ModelSpec spec, Standardization input, ModelParameters parameters, Map<String, String> trained) {
            this(spec, input, parameters, trained, Task.CLASSIFICATION, null, null);
        }
    }

    /** The format of a classifier not trained on a table: unchanged since the first. */
    public static final int VERSION = 1;
    /** The format of a regression or of a model trained on a table: version 1's, with "task", "target_standardization" and "table". */
    public static final int VERSION_TABLES = 2;
    /**
     * Version 2's, with {@code table.split}: "row-hash", rows split by their content. Written for every table model since
     * 2026-12-01, so an ampwatch that knows only the shuffled split (version 2) refuses it rather than score training rows.
     */
    public static final int VERSION_ROW_SPLIT = 3;
    static final byte[] MAGIC = "AMPWMODL".getBytes(StandardCharsets.US_ASCII);
    private static final int CHECKSUM = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFile() {}

    /** Writes {@code model} to {@code file} (replacing it atomically). */
    public static void write(Path file, SavedModel model) throws IOException {
        byte[] header = header(model).getBytes(StandardCharsets.UTF_8);
        long floats = 0;
        for (int l = 0; l < model.parameters().weights().size(); l++) {
            floats += model.parameters().weights().get(l).length + model.parameters().biases().get(l).length;
        }
        long size = MAGIC.length + 4L + 4 + header.length + 4 * floats + CHECKSUM;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("a model of " + floats + " parameters is too large for format version " + version(model));
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(version(model)).putInt(header.length).put(header);
        for (int l = 0; l < model.parameters().weights().size(); l++) {
            for (float v : model.parameters().weights().get(l)) {
                b.putFloat(v);
            }
            for (float v : model.parameters().biases().get(l)) {
                b.putFloat(v);
            }
        }
        b.put(sha256(b.array(), b.position()));
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Checks, before hours of training, that {@link #write} will be able to write {@code file}: its directory is
     * created if missing and a probe file written next to it and removed.
     *
     * @throws IOException naming the file and what stands in the way (no permission, a read-only file system, ...)
     */
    public static void checkWritable(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("cannot write the model to " + file + ": it is a directory; name a file in it");
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            // a probe of its own (not write()'s <file>.tmp, which another job may be writing)
            Files.delete(Files.createTempFile(dir, "." + file.getFileName(), ".probe"));
        } catch (IOException e) {
            throw new IOException("cannot write the model to " + file + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (" + e.getMessage() + ")";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + " (" + f.getFile() + ")";
        }
        return e.toString();
    }

    /**
     * Reads a model.
     *
     * @throws IOException when the file cannot be read or is not a valid version-1 model; the message names
     *     the file and what is wrong
     */
    public static SavedModel read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("model file " + file + " does not exist", e);
        }
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException(file + " is not an ampwatch model file (it does not start with AMPWMODL)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).position(MAGIC.length);
        if (b.remaining() < 4) {
            throw corrupt(file, "it ends after the magic");
        }
        int version = b.getInt();
        if (version < VERSION || version > VERSION_ROW_SPLIT) {
            throw new IOException(file + " is a model file of format version " + version + "; this ampwatch reads versions "
                    + VERSION + " to " + VERSION_ROW_SPLIT + " (save the model again with this version, or use the ampwatch that wrote it)");
        }
        if (bytes.length < MAGIC.length + 8 + CHECKSUM) {
            throw corrupt(file, "it is " + bytes.length + " bytes, shorter than any model");
        }
        byte[] stored = Arrays.copyOfRange(bytes, bytes.length - CHECKSUM, bytes.length);
        byte[] actual = sha256(bytes, bytes.length - CHECKSUM);
        if (!MessageDigest.isEqual(stored, actual)) {
            throw corrupt(file, "the SHA-256 of its contents (" + HexFormat.of().formatHex(actual, 0, 8)
                    + "...) is not the one stored at its end (" + HexFormat.of().formatHex(stored, 0, 8)
                    + "...): a changed byte or a truncated copy");
        }
        int headerLength = b.getInt();
        if (headerLength < 2 || headerLength > bytes.length - b.position() - CHECKSUM) {
            throw corrupt(file, "its header length " + headerLength + " does not fit the file");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, b.position(), headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw corrupt(file, "its header is not JSON: " + e.getOriginalMessage());
        }
        b.position(b.position() + headerLength);
        ModelSpec spec;
        Standardization input;
        Task task = Task.CLASSIFICATION;
        Standardization target = null;
        dev.ampwatch.trainer.data.TableSchema table = null;
        try {
            List<Integer> hidden = new ArrayList<>();
            header.required("hidden_units").forEach(h -> hidden.add(h.intValue()));
            List<ConvLayer> convolutions = new ArrayList<>();
            header.path("conv_layers").forEach(c -> convolutions.add(ConvLayer.parse(c.asText())));
            spec = new ModelSpec(header.required("inputs").intValue(), hidden, header.required("classes").intValue(),
                    convolutions);
            if (!"relu".equals(header.path("activation").asText())) {
                throw new IllegalArgumentException("activation '" + header.path("activation").asText() + "' (only relu)");
            }
            JsonNode s = header.required("input_standardization");
            input = new Standardization(s.required("mean").doubleValue(), s.required("std").doubleValue());
            if (version >= VERSION_TABLES) {
                task = Task.fromCliName(header.path("task").asText("classification"));
                if (header.has("target_standardization")) {
                    JsonNode t = header.get("target_standardization");
                    target = new Standardization(t.required("mean").doubleValue(), t.required("std").doubleValue());
                }
                if (header.has("table")) {
                    table = table(header.get("table"));
                }
            }
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "its header does not describe a model: " + e.getMessage());
        }
        long expected = spec.parameterCount() * 4;
        if (expected != bytes.length - CHECKSUM - b.position()) {
            throw corrupt(file, "its header describes " + spec.parameterCount() + " parameters (" + expected
                    + " bytes) but it holds " + (bytes.length - CHECKSUM - b.position()) + " bytes of them");
        }
        List<float[]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        for (LayerShape layer : spec.layers()) {
            float[] wl = new float[(int) layer.weightCount()];
            b.asFloatBuffer().get(wl);
            b.position(b.position() + 4 * wl.length);
            float[] bl = new float[layer.out()];
            b.asFloatBuffer().get(bl);
            b.position(b.position() + 4 * bl.length);
            weights.add(wl);
            biases.add(bl);
        }
        Map<String, String> trained = new LinkedHashMap<>();
        header.path("trained").fields().forEachRemaining(e -> trained.put(e.getKey(), e.getValue().asText()));
        try {
            return new SavedModel(spec, input, new ModelParameters(weights, biases), trained, task, target, table);
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "its header does not describe a model: " + e.getMessage());
        }
    }

    /** Version 1 where it describes the model (a classifier not trained on a table): files read by every ampwatch. */
    private static int version(SavedModel model) {
        if (model.table() != null && model.table().split() != null) {
            return VERSION_ROW_SPLIT;
        }
        return model.task() == Task.CLASSIFICATION && model.table() == null ? VERSION : VERSION_TABLES;
    }

    private static dev.ampwatch.trainer.data.TableSchema table(JsonNode t) {
        List<dev.ampwatch.trainer.data.TableSchema.Column> features = new ArrayList<>();
        t.required("features").forEach(f -> features.add(new dev.ampwatch.trainer.data.TableSchema.Column(
                f.required("name").asText(), f.required("mean").doubleValue(), f.required("std").doubleValue())));
        List<String> classes = new ArrayList<>();
        t.path("classes").forEach(c -> classes.add(c.asText()));
        return new dev.ampwatch.trainer.data.TableSchema(t.required("target").asText(), features, classes,
                t.has("source_sha256") ? t.get("source_sha256").asText() : null, t.has("split") ? t.get("split").asText() : null,
                t.has("split_by") ? t.get("split_by").asText() : null, t.has("test_from") ? t.get("test_from").doubleValue() : null,
                t.has("validation_from") ? t.get("validation_from").doubleValue() : null);
    }

    private static String header(SavedModel model) {
        ObjectNode h = JSON.createObjectNode();
        h.put("inputs", model.spec().inputs());
        if (model.spec().convolutional()) {
            model.spec().convolutions().forEach(c -> h.withArray("conv_layers").add(c.toString()));
        }
        model.spec().hiddenUnits().forEach(h.putArray("hidden_units")::add);
        h.put("classes", model.spec().classes());
        h.put("activation", "relu");
        h.putObject("input_standardization").put("mean", model.input().mean()).put("std", model.input().std());
        if (model.task() == Task.REGRESSION) {
            h.put("task", model.task().cliName());
            h.putObject("target_standardization").put("mean", model.target().mean()).put("std", model.target().std());
        }
        if (model.table() != null) {
            ObjectNode t = h.putObject("table");
            t.put("target", model.table().target());
            var features = t.putArray("features");
            model.table().features().forEach(f -> features.addObject().put("name", f.name()).put("mean", f.mean()).put("std", f.std()));
            if (!model.table().classes().isEmpty()) {
                model.table().classes().forEach(t.putArray("classes")::add);
            }
            if (model.table().split() != null) {
                t.put("split", model.table().split());
            }
            if (model.table().splitBy() != null) {
                t.put("split_by", model.table().splitBy());
            }
            if (model.table().testFrom() != null) {
                t.put("test_from", model.table().testFrom()).put("validation_from", model.table().validationFrom());
            }
            if (model.table().source() != null) {
                t.put("source_sha256", model.table().source());
            }
        }
        ObjectNode trained = h.putObject("trained");
        model.trained().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> trained.put(e.getKey(), e.getValue()));
        return h.toString();
    }

    private static IOException corrupt(Path file, String what) {
        return new IOException("model file " + file + " is corrupt: " + what);
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(bytes, 0, length);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
