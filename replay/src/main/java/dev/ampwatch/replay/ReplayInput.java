package dev.ampwatch.replay;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.TrainingEventJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What replay's files held: the good records (unsorted), the bad lines, and a summary line per file.
 * Everything is read before anything is sent, so one bad line can stop the whole replay.
 */
public record ReplayInput(List<ReplayRecord> records, List<Problem> problems, List<String> summary) {
    /** A file that cannot be read at all. */
    public static final class InvalidFileException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidFileException(String message) {
            super(message);
        }
    }

    /** Reads every file; problems with single lines are collected, a file that cannot be read throws. */
    public static ReplayInput read(List<Path> powerFiles, List<Path> eventFiles, PowerCsv.Defaults defaults) {
        List<ReplayRecord> records = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        List<String> fatal = new ArrayList<>();
        Map<String, String> readings = new HashMap<>();
        for (Path file : powerFiles) {
            try (BufferedReader in = reader(file)) {
                PowerCsv.Result r = PowerCsv.parse(file.toString(), in, defaults);
                problems.addAll(r.problems());
                int good = 0;
                for (PowerCsv.Row row : r.rows()) {
                    PowerSample s = row.sample();
                    String origin = file + ":" + row.line();
                    String earlier = readings.putIfAbsent(s.getHost() + "\0" + s.getComponent() + "\0" + s.getDevice()
                            + "\0" + s.getEventTime(), origin);
                    if (earlier != null) {
                        problems.add(new Problem(file.toString(), row.line(), "timestamp", 0, s.getEventTime().toString(),
                                "repeats the reading of " + s.getHost() + " " + s.getComponent() + "/" + s.getDevice()
                                        + " at this time from " + earlier + " (the analyzer would dead-letter it as a duplicate)"));
                        continue;
                    }
                    records.add(ReplayRecord.of(origin, s));
                    good++;
                }
                summary.add(line(file, good, "power sample", r.rows().size() - good + r.problems().size()));
            } catch (PowerCsv.InvalidFileException e) {
                fatal.add(e.getMessage());
            } catch (IOException e) {
                fatal.add(cannotRead(file, e));
            }
        }
        for (Path file : eventFiles) {
            try (BufferedReader in = reader(file)) {
                int lineNo = 0;
                int good = 0;
                int bad = 0;
                int recordedMarkers = 0;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lineNo++;
                    String content = InputLines.content(lineNo, line);
                    if (content == null) {
                        continue;
                    }
                    try {
                        TrainingEvent event = TrainingEventJson.parse(content);
                        if (ReplayRecord.isMarker(event)) {
                            // replay vouches for the hosts itself; a recorded STREAM_END would end a host early
                            recordedMarkers++;
                            continue;
                        }
                        records.add(ReplayRecord.of(file + ":" + lineNo, event));
                        good++;
                    } catch (JsonFieldException e) {
                        problems.add(Problem.of(file.toString(), lineNo, Timestamps.invalid(e), 0));
                        bad++;
                    }
                }
                summary.add(line(file, good, "training event", bad) + (recordedMarkers == 0 ? ""
                        : "; " + recordedMarkers + " recorded PROGRESS/STREAM_END left out (replay sends its own)"));
            } catch (IOException e) {
                fatal.add(cannotRead(file, e));
            }
        }
        if (!fatal.isEmpty()) {
            throw new InvalidFileException(String.join("\nampwatch replay: ", fatal));
        }
        return new ReplayInput(records, problems, summary);
    }

    private static BufferedReader reader(Path file) throws IOException {
        Reader r = new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT));
        return new BufferedReader(r);
    }

    private static String cannotRead(Path file, IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "cannot read " + file + ": no such file";
        }
        if (e instanceof CharacterCodingException) {
            return "cannot read " + file + ": it is not UTF-8 text (save it as UTF-8, e.g. a spreadsheet's \"CSV UTF-8\")";
        }
        if (Files.isDirectory(file)) {
            return "cannot read " + file + ": it is a directory, not a file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "cannot read " + file + ": permission denied";
        }
        return "cannot read " + file + ": " + e.getMessage();
    }

    private static String line(Path file, int good, String what, int bad) {
        return "read " + file + ": " + good + " " + what + (good == 1 ? "" : "s")
                + (bad == 0 ? "" : ", " + bad + " bad line" + (bad == 1 ? "" : "s"));
    }
}
