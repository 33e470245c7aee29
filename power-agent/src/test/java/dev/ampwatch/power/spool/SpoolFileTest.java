package dev.ampwatch.power.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolFileTest {

    @Test
    void recordsComeBackInOrderAndCommittedOnesAreGone(@TempDir Path dir) {
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                assertThat(spool.append(("r" + i).getBytes(StandardCharsets.UTF_8))).isTrue();
            }
            List<SpoolFile.Entry> first = spool.readPending(2);
            assertThat(first).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8)).containsExactly("r0", "r1");
            spool.commit(first.get(1).next(), 2);
            assertThat(spool.pendingRecords()).isEqualTo(3);
            assertThat(spool.readPending(10)).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("r2", "r3", "r4");
        }
    }

    @Test
    void unconfirmedRecordsSurviveARestart(@TempDir Path dir) {
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            spool.append("a".getBytes(StandardCharsets.UTF_8));
            spool.append("b".getBytes(StandardCharsets.UTF_8));
            spool.commit(spool.readPending(1).get(0).next(), 1);
        }
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            assertThat(spool.pendingRecords()).isEqualTo(1);
            assertThat(new String(spool.readPending(10).get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("b");
        }
    }

    @Test
    void aTornLastRecordIsCutOffAtOpen(@TempDir Path dir) throws IOException {
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            spool.append("whole".getBytes(StandardCharsets.UTF_8));
        }
        // a crash in the middle of the next write: a header promising more bytes than there are
        Files.write(dir.resolve("spool.log"), new byte[] {0, 0, 0, 50, 1, 2, 3, 4, 'x'}, StandardOpenOption.APPEND);
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            assertThat(spool.pendingRecords()).isEqualTo(1);
            assertThat(spool.append("next".getBytes(StandardCharsets.UTF_8))).isTrue();
            assertThat(spool.readPending(10)).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("whole", "next");
        }
    }

    @Test
    void refusesRecordsBeyondItsBoundAndEmptiesWhenAllIsConfirmed(@TempDir Path dir) throws IOException {
        try (SpoolFile spool = SpoolFile.open(dir, 30)) {
            assertThat(spool.append(new byte[10])).isTrue();
            assertThat(spool.append(new byte[10])).isFalse();
            spool.commit(spool.readPending(1).get(0).next(), 1);
            assertThat(Files.size(dir.resolve("spool.log"))).isZero();
            assertThat(spool.append(new byte[10])).isTrue();
        }
    }
}
