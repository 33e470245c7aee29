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

    /** A second agent on the same spool read the first's records as its own and lost them (an operator review). */
    @Test
    void aSpoolInUseIsRefusedAndLeftAsItIs(@TempDir Path dir) throws Exception {
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) {
            spool.append("kept".getBytes(StandardCharsets.UTF_8));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SpoolFile.open(dir, 1 << 20))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the sample spool in " + dir + " is in use by another power-agent (pid " + ProcessHandle.current().pid()
                            + "): give each agent its own --spool-dir");
            assertThat(spool.readPending(10)).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8)).containsExactly("kept");
        }
        // another process holding the lock (POSIX record locks, as the JVM takes them): refused too, the spool untouched
        long size = Files.size(dir.resolve("spool.log"));
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); "
                + "print('locked', flush=True); sys.stdin.read()", dir.resolve("spool.log").toString()).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("locked");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SpoolFile.open(dir, 1 << 20))
                    .hasMessageContaining("is in use by another power-agent");
            assertThat(Files.size(dir.resolve("spool.log"))).isEqualTo(size);
        } finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 20)) { // the holder gone, the records are there for the next agent
            assertThat(spool.readPending(10)).hasSize(1);
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

    @Test
    void aTickIsWrittenWholeOrNotAtAll(@TempDir Path dir) {
        try (SpoolFile spool = SpoolFile.open(dir, 60)) {
            assertThat(spool.appendAll(List.of(new byte[10], new byte[10]))).isTrue(); // 2 x (8 + 10)
            assertThat(spool.appendAll(List.of(new byte[10], new byte[10]))).as("36 more would make 72 > 60").isFalse();
            assertThat(spool.pendingRecords()).isEqualTo(2);
            assertThat(spool.appendAll(List.of(new byte[10]))).isTrue();
            assertThat(spool.readPending(10)).hasSize(3);
        }
    }

    /**
     * What the sender reads from memory is what the file holds: the same records, positions and order as a
     * restart reads back; after more than the memory bound is pending it reads the file, and once everything
     * is committed it mirrors again.
     */
    @Test
    void theInMemoryMirrorMatchesTheFile(@TempDir Path dir) {
        List<String> fromMemory;
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 30)) {
            for (int i = 0; i < 6; i++) {
                spool.appendAll(List.of(("a" + i).getBytes(StandardCharsets.UTF_8), ("b" + i).getBytes(StandardCharsets.UTF_8)));
            }
            List<SpoolFile.Entry> sent = spool.readPending(5);
            spool.commit(sent.get(4).next(), 5);
            fromMemory = spool.readPending(100).stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8) + "@" + e.next()).toList();
            assertThat(fromMemory).hasSize(7).first().asString().startsWith("b2@");
        }
        try (SpoolFile spool = SpoolFile.open(dir, 1 << 30)) {
            assertThat(spool.readPending(100).stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8) + "@" + e.next()))
                    .as("read back from the file").containsExactlyElementsOf(fromMemory);
            // past the memory bound: still every record, in order, now from the file
            byte[] big = new byte[64 * 1024];
            int n = (int) (SpoolFile.MEMORY_BYTES / big.length) + 2;
            for (int i = 0; i < n; i++) {
                big[0] = (byte) i;
                assertThat(spool.append(big)).isTrue();
            }
            List<SpoolFile.Entry> all = spool.readPending(10_000);
            assertThat(all).hasSize(7 + n);
            for (int i = 0; i < n; i++) {
                assertThat(all.get(7 + i).payload()[0]).isEqualTo((byte) i);
            }
            spool.commit(all.get(all.size() - 1).next(), all.size());
            assertThat(spool.pendingRecords()).isZero();
            assertThat(spool.append("again".getBytes(StandardCharsets.UTF_8))).isTrue();
            assertThat(spool.readPending(10)).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8)).containsExactly("again");
        }
    }
}
