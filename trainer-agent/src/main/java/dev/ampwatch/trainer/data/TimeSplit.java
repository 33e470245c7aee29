package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A table's split by time ({@code --split-by-time COLUMN}), for models that forecast: the latest rows are the test
 * split, the rows just before them the validation split, the earlier ones training, so no row of the future trains a
 * model scored on the past. Training puts about the latest fifth of the rows ({@link TabularData#TEST_SHARE}) in the
 * test split and one in {@link Dataset#VALIDATION_SHARE} of the rest before it in validation, and records the two
 * cut-offs in the model; any file is then split by them (a row at or after {@code testFrom} is a test row, one at or
 * after {@code validationFrom} a validation row), so new, later rows are test rows. Rows of one time share a split.
 *
 * <p>Times are a numeric column (any ordered number: epoch seconds, a day number) or text in ISO 8601: a date
 * ({@code 2024-03-01}, its midnight UTC), a local date-time ({@code 2024-03-01T12:30:00}, or with a space; UTC) or one
 * with an offset or {@code Z}; text is converted to epoch seconds. Stateless.
 */
final class TimeSplit {
    /** What a model file's {@code table.split} says of a split by time. */
    static final String NAME = "time";

    /** The splits, and the cut-offs that reproduce them on any file. */
    record Result(RowSplit.Rows rows, double testFrom, double validationFrom) {}

    private TimeSplit() {}

    /** Each row's time: the number, or the ISO 8601 text as epoch seconds; NaN where missing. */
    static double[] times(TabularFile table, TabularFile.Column column) throws IOException {
        if (column.numeric()) {
            return column.numbers();
        }
        double[] t = new double[table.rows()];
        for (int r = 0; r < t.length; r++) {
            String text = column.texts()[r];
            if (text == null) {
                t[r] = Double.NaN;
                continue;
            }
            try {
                t[r] = epochSeconds(text.trim());
            } catch (DateTimeParseException e) {
                throw new IOException(table.file() + " " + table.where(r) + ", column '" + column.name() + "': '" + text
                        + "' is no time (--split-by-time takes numbers or ISO 8601: 2024-03-01, 2024-03-01T12:30:00,"
                        + " 2024-03-01T12:30:00Z, 2024-03-01T12:30:00+02:00)");
            }
        }
        return t;
    }

    private static double epochSeconds(String text) {
        if (text.length() == 10) {
            return LocalDate.parse(text).toEpochDay() * 86_400.0;
        }
        String iso = text.replace(' ', 'T');
        Instant i;
        try {
            i = OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException e) {
            i = LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
        }
        return i.getEpochSecond() + i.getNano() / 1e9;
    }

    /** Training: the cut-offs from {@code rows}' times, and the split they give. */
    static Result train(int[] rows, double[] times) {
        double[] sorted = Arrays.stream(rows).mapToDouble(r -> times[r]).sorted().toArray();
        int n = sorted.length;
        double testFrom = sorted[n - Math.max(1, n / TabularData.TEST_SHARE)];
        int before = (int) Arrays.stream(sorted).filter(t -> t < testFrom).count();
        int validation = before / Dataset.VALIDATION_SHARE;
        double validationFrom = validation == 0 ? testFrom : sorted[before - validation];
        return new Result(split(rows, times, testFrom, validationFrom), testFrom, validationFrom);
    }

    /** Any file: the rows at or after {@code testFrom} test rows, at or after {@code validationFrom} validation rows. */
    static RowSplit.Rows split(int[] rows, double[] times, double testFrom, double validationFrom) {
        int[] ordered = IntStream.of(rows).boxed().sorted(Comparator.<Integer>comparingDouble(r -> times[r]).thenComparingInt(r -> r))
                .mapToInt(Integer::intValue).toArray();
        return new RowSplit.Rows(IntStream.of(ordered).filter(r -> times[r] < validationFrom).toArray(),
                IntStream.of(ordered).filter(r -> times[r] >= validationFrom && times[r] < testFrom).toArray(),
                IntStream.of(ordered).filter(r -> times[r] >= testFrom).toArray());
    }
}
