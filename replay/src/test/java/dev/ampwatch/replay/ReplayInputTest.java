package dev.ampwatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Power and event files read together: every timestamp format, ordered by event time across files, shifted. */
class ReplayInputTest {

    @Test
    void ordersByEventTimeAcrossFilesAndShiftsTheEarliestToNow(@TempDir Path dir) throws IOException {
        Path power = Files.writeString(dir.resolve("power.csv"), """
                # two hosts, watts and an energy counter
                Timestamp, HOST ,Component,device,watts,energy_uj,energy_range_uj
                2026-11-23T10:00:00Z,it-rig,GPU,gpu0,200.5,,
                2026-11-23T10:00:01Z,it-rig,GPU,gpu0,210,,
                1795428000.5,it-rig,cpu_package,package-0,,1000000,262143328850

                1795428001500,it-rig,CPU_PACKAGE,package-0,,41000000,262143328850
                2026-11-23T10:00:02Z,it-other,WALL,,150,,
                """);
        String run = "\"run_id\":\"it-run\",\"experiment_id\":\"it\",\"host\":\"it-rig\",\"devices\":[\"gpu0\"]";
        Path events = Files.writeString(dir.resolve("events.jsonl"), """
                {%1$s,"event_time":"2026-11-23T10:00:00.100Z","kind":"RUN_STARTED"}
                {%1$s,"event_time":1795428000.2,"kind":"EPOCH_STARTED","epoch":1}
                # comment lines and blank lines are skipped

                {%1$s,"event_time":1795428001900,"kind":"EPOCH_COMPLETED","epoch":1,"metrics":{"loss":0.5,"samples":1000,"samples_per_second":600.5,"duration_ms":1700}}
                {%1$s,"event_time":"2026-11-23T10:00:02Z","kind":"RUN_COMPLETED"}
                """.formatted(run));
        ReplayInput in = ReplayInput.read(List.of(power), List.of(events),
                new PowerCsv.Defaults(null, null, SourceType.REPLAY, null));
        assertThat(in.problems()).isEmpty();
        assertThat(in.records()).as("5 power rows, 4 events").hasSize(9);
        List<ReplayRecord> sorted = ReplayStream.ordered(in.records());
        assertThat(sorted).extracting(ReplayRecord::eventTime).isSorted();
        assertThat(sorted.get(0).origin()).endsWith("power.csv:3");
        assertThat(sorted.get(1).origin()).endsWith("events.jsonl:1");
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        List<ReplayRecord> shifted = ReplayStream.shifted(sorted, now);
        assertThat(shifted.get(0).eventTime()).isEqualTo(now);
        assertThat(shifted.get(shifted.size() - 1).eventTime()).isEqualTo(now.plusSeconds(2));
        assertThat(shifted).extracting(ReplayRecord::origin).containsExactlyElementsOf(sorted.stream().map(ReplayRecord::origin).toList());
    }

    /** Found by a user review: "java.io.IOException: Is a directory" and "(Input length = 1)". */
    @Test
    void aFileThatCannotBeReadSaysWhyInWords(@TempDir Path dir) throws IOException {
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        PowerCsv.Defaults defaults = new PowerCsv.Defaults(null, null, SourceType.REPLAY, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplayInput.read(List.of(), List.of(latin1), defaults))
                .hasMessage("cannot read " + latin1 + ": it is not UTF-8 text (save it as UTF-8, e.g. a spreadsheet's \"CSV UTF-8\")");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplayInput.read(List.of(dir), List.of(), defaults))
                .hasMessageContaining("cannot read " + dir + ": it is a directory, not a file");
    }
}
