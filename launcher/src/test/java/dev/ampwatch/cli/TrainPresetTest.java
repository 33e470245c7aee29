package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --preset picks a model size; --hidden and --batch-size override it; the default stays the small CPU model. */
class TrainPresetTest {
    private static TrainingOptions parse(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "train";
        System.arraycopy(args, 0, all, 1, args.length);
        TrainCommand train = (TrainCommand) Ampwatch.commandLine(Map.of()).parseArgs(all).subcommand().commandSpec().userObject();
        return train.train.builder(Precision.FP32).build();
    }

    @Test
    void presetsAndOverrides() {
        TrainingOptions small = parse();
        assertThat(small.hiddenUnits()).containsExactly(256, 128);
        assertThat(small.batchSize()).isEqualTo(128);
        TrainingOptions wide = parse("--preset", "wide");
        assertThat(wide.hiddenUnits()).containsExactly(2048, 2048, 2048);
        assertThat(wide.batchSize()).isEqualTo(1024);
        TrainingOptions xl = parse("--preset", "xl", "--batch-size", "256");
        assertThat(xl.hiddenUnits()).isEqualTo(List.of(8192, 8192));
        assertThat(xl.batchSize()).isEqualTo(256);
        assertThat(parse("--preset", "wide", "--hidden", "512").hiddenUnits()).containsExactly(512);
        assertThatThrownBy(() -> parse("--preset", "huge")).hasMessage("--preset huge: expected small, wide, xl or cnn");
        assertThat(small.convLayers()).isEmpty();
    }

    @Test
    void theCnnPresetAndConvOverrides() {
        TrainingOptions cnn = parse("--preset", "cnn");
        assertThat(cnn.convLayers()).extracting(Object::toString).containsExactly("c32k3s1", "c64k3s2", "c128k3s2");
        assertThat(cnn.hiddenUnits()).containsExactly(256);
        assertThat(cnn.batchSize()).isEqualTo(256);
        assertThat(parse("--preset", "cnn", "--conv", "c8k5s2").convLayers()).extracting(Object::toString).containsExactly("c8k5s2");
        assertThat(parse("--preset", "cnn", "--conv", "none").convLayers()).isEmpty();
        assertThat(parse("--conv", "c16k3,c32k3s2").convLayers()).extracting(Object::toString).containsExactly("c16k3s1", "c32k3s2");
        assertThatThrownBy(() -> parse("--conv", "16x3")).hasMessageContaining("expected c<channels>k<kernel>s<stride>");
    }
}
