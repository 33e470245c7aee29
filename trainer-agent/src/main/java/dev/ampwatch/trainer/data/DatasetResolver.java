package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the data of a run. An explicitly given directory must hold the dataset (a typo should fail
 * the run, not silently train on generated data). Without one, {@link FashionMnist#DEFAULT_DIR} is
 * used if present, and only otherwise is a synthetic dataset generated, flagged as such.
 *
 * <p>Stateless and thread-safe.
 */
public final class DatasetResolver {
    /** Synthetic training samples when no train limit is given. */
    public static final int SYNTHETIC_TRAIN = 10_000;
    /** Synthetic test samples when no test limit is given. */
    public static final int SYNTHETIC_TEST = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(DatasetResolver.class);

    private DatasetResolver() {}

    /**
     * @param dir dataset directory, or empty to use the default directory or generated data
     * @param trainLimit keep at most this many training samples; 0 keeps all
     * @param testLimit keep at most this many test samples; 0 keeps all
     * @param seed seed of generated data
     */
    public static Dataset resolve(Optional<Path> dir, int trainLimit, int testLimit, long seed) throws IOException {
        return resolve(dir, FashionMnist.DEFAULT_DIR, trainLimit, testLimit, seed);
    }

    /** As {@link #resolve(Optional, int, int, long)} with another default directory (for tests). */
    public static Dataset resolve(Optional<Path> dir, Path defaultDir, int trainLimit, int testLimit, long seed)
            throws IOException {
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("sample limits must be >= 0 (0 = all): " + trainLimit + ", " + testLimit);
        }
        if (dir.isPresent()) {
            return FashionMnist.load(dir.get(), trainLimit, testLimit);
        }
        if (FashionMnist.isPresent(defaultDir)) {
            return FashionMnist.load(defaultDir, trainLimit, testLimit);
        }
        LOG.warn("no dataset directory given and none at {}; training on generated data "
                + "(RunConfig.dataset_synthetic = true)", defaultDir);
        return SyntheticData.fashionMnistShaped(trainLimit > 0 ? trainLimit : SYNTHETIC_TRAIN,
                testLimit > 0 ? testLimit : SYNTHETIC_TEST, seed);
    }
}
