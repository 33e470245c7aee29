package dev.ampwatch.trainer.data;

import java.util.List;
import java.util.Optional;

/**
 * Which columns of a table a run uses, and how: the {@code target} it learns, columns that are no features
 * ({@code exclude}: an id, a row number, a leaked answer), and the column whose value decides a row's split
 * ({@code splitBy}: rows that belong together, one patient's or one machine's, land in one split; no feature either), or
 * the column of each row's time ({@code splitByTime}: the latest rows are the test split, {@link TimeSplit}). Without
 * either each row's own content decides ({@link RowSplit}).
 */
public record TableColumns(String target, List<String> exclude, Optional<String> splitBy, Optional<String> splitByTime) {
    public TableColumns {
        exclude = List.copyOf(exclude);
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("the target column must not be blank");
        }
        for (String c : exclude) {
            if (c.isBlank()) {
                throw new IllegalArgumentException("an excluded column must not be blank");
            }
            if (c.equals(target)) {
                throw new IllegalArgumentException("--exclude " + c + " is the target: it is learned, not a feature");
            }
        }
        if (splitBy.isPresent() && (splitBy.get().isBlank() || splitBy.get().equals(target))) {
            throw new IllegalArgumentException("--split-by needs a column other than the target: '" + splitBy.get() + "'");
        }
        if (splitByTime.isPresent() && (splitByTime.get().isBlank() || splitByTime.get().equals(target))) {
            throw new IllegalArgumentException("--split-by-time needs a column other than the target: '" + splitByTime.get() + "'");
        }
        if (splitBy.isPresent() && splitByTime.isPresent()) {
            throw new IllegalArgumentException("--split-by and --split-by-time are two ways to split: give one");
        }
    }

    /** Without a split by time. */
    public TableColumns(String target, List<String> exclude, Optional<String> splitBy) {
        this(target, exclude, splitBy, Optional.empty());
    }

    /** Only a target: every other numeric column a feature, rows split by their content. */
    public static TableColumns of(String target) {
        return new TableColumns(target, List.of(), Optional.empty(), Optional.empty());
    }

    /** Whether {@code column} is kept out of the features (excluded, or the split's key). */
    public boolean notAFeature(String column) {
        return exclude.contains(column) || splitBy.filter(column::equals).isPresent() || splitByTime.filter(column::equals).isPresent();
    }

    /** What the dataset's name adds: ", without id, split by patient" (or ", split by time (day)"), or nothing. */
    public String describe() {
        return (exclude.isEmpty() ? "" : ", without " + String.join(", ", exclude)) + splitBy.map(k -> ", split by " + k).orElse("")
                + splitByTime.map(k -> ", split by time (" + k + ")").orElse("");
    }
}
