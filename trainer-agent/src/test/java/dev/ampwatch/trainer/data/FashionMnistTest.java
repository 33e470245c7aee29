package dev.ampwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FashionMnistTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void loadsPlainAndGzippedFilesScaledToUnitRange(boolean gzip) throws IOException {
        IdxFiles.dataset(dir, gzip);
        assertThat(FashionMnist.isPresent(dir)).isTrue();
        Dataset data = FashionMnist.load(dir, 0, 0);
        assertThat(data.synthetic()).isFalse();
        assertThat(data.name()).as("the directory's name, not its path: one configuration on every rig")
                .isEqualTo(dir.getFileName().toString());
        assertThat(FashionMnist.name(Path.of("/usr/share/datasets/fashion-mnist/"))).isEqualTo("fashion-mnist");
        assertThat(data.featureCount()).isEqualTo(4);
        assertThat(data.train().size()).isEqualTo(5);
        assertThat(data.test().size()).isEqualTo(3);
        assertThat(data.train().labels()).containsExactly(9, 0, 1, 2, 3);
        assertThat(data.train().features()[0]).isEqualTo(1f);
        assertThat(data.train().features()[1]).isEqualTo(13 / 255f);
        assertThat(data.test().features()).containsOnly(0f);
    }

    @Test
    void limitsKeepTheFirstSamples() throws IOException {
        IdxFiles.dataset(dir, true);
        Dataset data = FashionMnist.load(dir, 2, 1);
        assertThat(data.train().labels()).containsExactly(9, 0);
        assertThat(data.train().features()).hasSize(8);
        assertThat(data.test().labels()).containsExactly(4);
    }

    /** A twelfth of the training file, from its end, is the validation split; limits never reach into it. */
    @Test
    void theEndOfTheTrainingFileIsHeldOutForValidation() throws IOException {
        IdxFiles.dataset(dir, false);
        byte[] pixels = new byte[26 * 4];
        byte[] labels = new byte[26];
        for (int i = 0; i < 26; i++) {
            pixels[4 * i] = (byte) i; // each image's first pixel is its row number
            labels[i] = (byte) (i % 10);
        }
        IdxFiles.images(dir.resolve("train-images-idx3-ubyte"), IdxReader.IMAGES_MAGIC, 26, 2, 2, pixels, false);
        IdxFiles.labels(dir.resolve("train-labels-idx1-ubyte"), IdxReader.LABELS_MAGIC, labels, false);
        Dataset data = FashionMnist.load(dir, 0, 0);
        assertThat(data.validation().size()).as("26 / 12").isEqualTo(2);
        assertThat(data.train().size()).isEqualTo(24);
        assertThat(data.validation().features()[0]).isEqualTo(24 / 255f);
        assertThat(data.validation().labels()).containsExactly(4, 5);
        assertThat(FashionMnist.load(dir, 10, 0).validation().labels()).as("the same rows whatever the limit").containsExactly(4, 5);
        assertThatThrownBy(() -> FashionMnist.load(dir, 25, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--train-limit 25 is more than the 24 training images").hasMessageContaining("validation split");
    }

    @Test
    void acceptsTheDottedSpellingOfSomeMirrors() throws IOException {
        IdxFiles.dataset(dir, false);
        Files.move(dir.resolve("train-images-idx3-ubyte"), dir.resolve("train-images.idx3-ubyte"));
        assertThat(FashionMnist.load(dir, 0, 0).train().size()).isEqualTo(5);
    }

    @Test
    void rejectsABadMagicNumberNamingTheFile() throws IOException {
        IdxFiles.dataset(dir, true);
        Path labels = dir.resolve("train-labels-idx1-ubyte.gz");
        IdxFiles.labels(labels, 0x0000_0803, new byte[] {1, 2, 3, 4, 5}, true);
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).isInstanceOf(IOException.class)
                .hasMessageContaining(labels.toString()).hasMessageContaining("bad IDX magic number 0x00000803");
    }

    @Test
    void rejectsTruncatedFilesAndMismatchedCounts() throws IOException {
        IdxFiles.dataset(dir, false);
        Path images = dir.resolve("train-images-idx3-ubyte");
        IdxFiles.images(images, IdxReader.IMAGES_MAGIC, 5, 2, 2, new byte[19], false);
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).hasMessageContaining(images.toString())
                .hasMessageContaining("ends early");

        IdxFiles.images(images, IdxReader.IMAGES_MAGIC, 4, 2, 2, new byte[16], false);
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).hasMessageContaining("4 images")
                .hasMessageContaining("5 labels");

        IdxFiles.images(images, IdxReader.IMAGES_MAGIC, 4, 2, 2, new byte[17], false);
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).hasMessageContaining("trailing bytes");
    }

    @Test
    void rejectsOutOfRangeLabelsAndMissingFiles() throws IOException {
        IdxFiles.dataset(dir, false);
        IdxFiles.labels(dir.resolve("t10k-labels-idx1-ubyte"), IdxReader.LABELS_MAGIC, new byte[] {1, 10, 2}, false);
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).hasMessageContaining("t10k-labels-idx1-ubyte")
                .hasMessageContaining("label 10 at index 1");
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        assertThat(FashionMnist.isPresent(dir)).isFalse();
        assertThatThrownBy(() -> FashionMnist.load(dir, 0, 0)).hasMessageContaining("no t10k-labels-idx1-ubyte file in " + dir);
    }

    @Test
    void resolverUsesGivenDirectoryThenDefaultThenSyntheticData() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Dataset synthetic = DatasetResolver.resolve(Optional.empty(), empty, 30, 10, 1);
        assertThat(synthetic.synthetic()).isTrue();
        assertThat(synthetic.name()).startsWith("synthetic");
        assertThat(synthetic.train().size()).isEqualTo(30);
        assertThat(synthetic.featureCount()).isEqualTo(784);
        assertThat(inUnitRange(synthetic.train().features())).isTrue();

        IdxFiles.dataset(dir, true);
        assertThat(DatasetResolver.resolve(Optional.empty(), dir, 0, 0, 1).synthetic()).isFalse();
        assertThatThrownBy(() -> DatasetResolver.resolve(Optional.of(empty), dir, 0, 0, 1))
                .as("an explicit directory never falls back to generated data").hasMessageContaining(empty.toString());
    }

    @Test
    void realFashionMnistHasTheExpectedShape() throws IOException {
        assumeTrue(FashionMnist.isPresent(FashionMnist.DEFAULT_DIR), "Fashion-MNIST not installed");
        Dataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, 0, 1000);
        assertThat(data.train().size()).isEqualTo(55_000);
        assertThat(data.validation().size()).isEqualTo(5_000);
        assertThat(data.test().size()).isEqualTo(1000);
        assertThat(data.featureCount()).isEqualTo(784);
        assertThat(inUnitRange(data.train().features())).isTrue();
    }

    private static boolean inUnitRange(float[] values) {
        for (float v : values) {
            if (!(v >= 0f && v <= 1f)) {
                return false;
            }
        }
        return true;
    }
}
