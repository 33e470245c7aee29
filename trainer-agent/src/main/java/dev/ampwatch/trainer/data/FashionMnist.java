package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads Fashion-MNIST (or MNIST, same format) from a directory holding the four IDX files
 * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}
 * and {@code t10k-labels-idx1-ubyte}, each optionally gzipped ({@code .gz}); the
 * {@code train-images.idx3-ubyte} spelling of some mirrors is accepted too.
 *
 * <p>Stateless and thread-safe.
 */
public final class FashionMnist {
    /** Where the Debian package dataset-fashion-mnist installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int CLASSES = 10;

    private FashionMnist() {}

    /** Whether {@code dir} holds all four files (under any accepted spelling). */
    public static boolean isPresent(Path dir) {
        try {
            checkPresent(dir);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws, naming the first missing file and the spellings tried, unless {@code dir} holds all four files. */
    public static void checkPresent(Path dir) throws IOException {
        for (String base : bases()) {
            find(dir, base);
        }
    }

    /** Validation samples: the last 5,000 of the 60,000 training images (a twelfth of a smaller file). */
    public static final int VALIDATION = 5_000;

    /**
     * Reads the dataset. The validation split is the end of the training file ({@link #VALIDATION} images,
     * or a twelfth of a smaller file); training takes the images before it, the first {@code trainLimit}
     * of them (0: all), and the test set the first {@code testLimit} test images (0: all).
     *
     * @throws IOException if a file is missing, malformed or inconsistent; the message names it
     * @throws IllegalArgumentException if {@code trainLimit} reaches into the validation split
     */
    public static Dataset load(Path dir, int trainLimit, int testLimit) throws IOException {
        LabeledData all = split(dir, "train", 0);
        int validation = Math.min(VALIDATION, all.size() / Dataset.VALIDATION_SHARE);
        int pool = all.size() - validation;
        if (trainLimit > pool) {
            throw new IllegalArgumentException("--train-limit " + trainLimit + " is more than the " + pool
                    + " training images of " + dir + ": the last " + validation + " are the validation split");
        }
        LabeledData train = all.rows(0, trainLimit > 0 ? trainLimit : pool);
        LabeledData test = split(dir, "t10k", testLimit);
        if (train.featureCount() != test.featureCount()) {
            throw new IOException(dir + ": training images have " + train.featureCount()
                    + " pixels but test images " + test.featureCount());
        }
        return new Dataset(name(dir), false, CLASSES, train, all.rows(pool, all.size()), test);
    }

    /**
     * The dataset's name in RunConfig.dataset, a factor of the statistics: the directory's own name
     * ({@code fashion-mnist} for {@code /usr/share/datasets/fashion-mnist}), not its path, so runs on rigs that keep
     * the same files in different places are one configuration.
     */
    static String name(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toAbsolutePath().toString() : name.toString();
    }

    private static LabeledData split(Path dir, String prefix, int limit) throws IOException {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        int[] pixels = new int[1];
        float[] images = IdxReader.readImages(imagesFile, limit, pixels);
        int[] labels = IdxReader.readLabels(labelsFile, limit, CLASSES);
        if ((long) labels.length * pixels[0] != images.length) {
            throw new IOException(imagesFile + " holds " + images.length / pixels[0] + " images but "
                    + labelsFile + " holds " + labels.length + " labels");
        }
        return new LabeledData(images, labels, pixels[0]);
    }

    private static List<String> bases() {
        return List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    }

    private static Path find(Path dir, String base) throws IOException {
        String dotted = base.replace("-idx", ".idx");
        List<String> tried = new ArrayList<>();
        for (String name : List.of(base, base + ".gz", dotted, dotted + ".gz")) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(name);
        }
        throw new IOException("no " + base + " file in " + dir + " (tried " + String.join(", ", tried) + ")");
    }
}
