package dev.ampwatch.trainer.follow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTailTest {
    @TempDir
    Path dir;

    private void append(Path f, String s) throws Exception {
        Files.writeString(f, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void waitsForTheFileThenReturnsCompleteLinesAsTheyArrive() throws Exception {
        Path f = dir.resolve("events.jsonl");
        FileTail tail = new FileTail(f, false);
        assertThat(tail.poll()).isEmpty();
        append(f, "one\ntw");
        assertThat(tail.poll()).containsExactly("one");
        append(f, "o\r\nthree\n");
        assertThat(tail.poll()).containsExactly("two", "three");
        assertThat(tail.poll()).isEmpty();
        append(f, "four, no newline");
        assertThat(tail.poll()).isEmpty();
        assertThat(tail.drain()).containsExactly("four, no newline");
    }

    @Test
    void skipsWhatTheFileHeldUnlessAskedToReadFromTheStart() throws Exception {
        Path f = dir.resolve("old.jsonl");
        append(f, "old\n");
        FileTail fromEnd = new FileTail(f, false);
        FileTail fromStart = new FileTail(f, true);
        append(f, "new\n");
        assertThat(fromEnd.poll()).containsExactly("new");
        assertThat(fromStart.poll()).containsExactly("old", "new");
    }

    @Test
    void aTruncatedFileIsReadAgainFromItsStart() throws Exception {
        Path f = dir.resolve("t.jsonl");
        append(f, "a long first line\n");
        FileTail tail = new FileTail(f, true);
        assertThat(tail.poll()).containsExactly("a long first line");
        Files.writeString(f, "b\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(tail.poll()).containsExactly("b");
    }

    @Test
    void readsUtf8() throws Exception {
        Path f = dir.resolve("u.jsonl");
        FileTail tail = new FileTail(f, false);
        append(f, "Genauigkeit 84 % — ok ✓\n");
        assertThat(tail.poll()).containsExactly("Genauigkeit 84 % — ok ✓");
    }
}
