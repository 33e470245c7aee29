package dev.ampwatch.trainer.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxFiles {
    private IdxFiles() {}

    static void images(Path file, int magic, int count, int rows, int cols, byte[] pixels, boolean gzip)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        write(file, bytes.toByteArray(), gzip);
    }

    static void labels(Path file, int magic, byte[] labels, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(labels.length);
        out.write(labels);
        write(file, bytes.toByteArray(), gzip);
    }

    /** A complete four-file dataset of 2x2 images: 5 training and 3 test samples. */
    static void dataset(Path dir, boolean gzip) throws IOException {
        String suffix = gzip ? ".gz" : "";
        byte[] train = new byte[5 * 4];
        for (int i = 0; i < train.length; i++) {
            train[i] = (byte) (i * 13);
        }
        train[0] = (byte) 255;
        images(dir.resolve("train-images-idx3-ubyte" + suffix), IdxReader.IMAGES_MAGIC, 5, 2, 2, train, gzip);
        labels(dir.resolve("train-labels-idx1-ubyte" + suffix), IdxReader.LABELS_MAGIC, new byte[] {9, 0, 1, 2, 3}, gzip);
        images(dir.resolve("t10k-images-idx3-ubyte" + suffix), IdxReader.IMAGES_MAGIC, 3, 2, 2, new byte[12], gzip);
        labels(dir.resolve("t10k-labels-idx1-ubyte" + suffix), IdxReader.LABELS_MAGIC, new byte[] {4, 5, 6}, gzip);
    }

    private static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }
}
