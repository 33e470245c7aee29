package dev.ampwatch.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format: big-endian magic {@code 0x0000 08 NN} for unsigned bytes with
 * NN dimensions, NN big-endian int sizes, then the data). Gzip compression is detected from the
 * content, not the file name. Every error names the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class IdxReader {
    /** Magic of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x0000_0803;
    /** Magic of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x0000_0801;

    private IdxReader() {}

    /**
     * Images scaled to [0, 1] ({@code pixel / 255}), at most {@code limit} of them (0: all).
     *
     * @return row-major {@code count x rows*cols} values; {@code pixelsPerImage[0]} receives rows*cols
     */
    public static float[] readImages(Path file, int limit, int[] pixelsPerImage) throws IOException {
        try (DataInputStream in = open(file)) {
            expectMagic(file, in.readInt(), IMAGES_MAGIC);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows < 1 || cols < 1) {
                throw new IOException(file + ": invalid dimensions " + count + " x " + rows + " x " + cols);
            }
            int n = limit > 0 ? Math.min(limit, count) : count;
            int pixels = rows * cols;
            byte[] raw = new byte[n * pixels];
            readFully(file, in, raw, count, pixels);
            float[] out = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                out[i] = (raw[i] & 0xff) / 255f;
            }
            pixelsPerImage[0] = pixels;
            return out;
        } catch (EOFException e) {
            throw new IOException(file + ": truncated IDX header", e);
        }
    }

    /** Labels, at most {@code limit} of them (0: all), each checked to be below {@code classes}. */
    public static int[] readLabels(Path file, int limit, int classes) throws IOException {
        try (DataInputStream in = open(file)) {
            expectMagic(file, in.readInt(), LABELS_MAGIC);
            int count = in.readInt();
            if (count < 0) {
                throw new IOException(file + ": invalid label count " + count);
            }
            int n = limit > 0 ? Math.min(limit, count) : count;
            byte[] raw = new byte[n];
            readFully(file, in, raw, count, 1);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xff;
                if (labels[i] >= classes) {
                    throw new IOException(file + ": label " + labels[i] + " at index " + i
                            + " is not below the class count " + classes);
                }
            }
            return labels;
        } catch (EOFException e) {
            throw new IOException(file + ": truncated IDX header", e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) { // gzip magic
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return new DataInputStream(in);
    }

    private static void expectMagic(Path file, int actual, int expected) throws IOException {
        if (actual != expected) {
            throw new IOException(String.format("%s: bad IDX magic number 0x%08X, expected 0x%08X (%s)",
                    file, actual, expected, expected == IMAGES_MAGIC ? "3-d unsigned-byte images" : "1-d unsigned-byte labels"));
        }
    }

    private static void readFully(Path file, DataInputStream in, byte[] into, int declared, int itemSize)
            throws IOException {
        try {
            in.readFully(into);
            if (into.length == (long) declared * itemSize && in.read() != -1) {
                throw new IOException(file + ": trailing bytes after the " + declared + " items the header declares");
            }
        } catch (EOFException e) {
            throw new IOException(file + ": file ends early; header declares " + declared + " items of "
                    + itemSize + " bytes", e);
        }
    }
}
