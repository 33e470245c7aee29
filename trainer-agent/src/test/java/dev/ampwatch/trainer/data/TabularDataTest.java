package dev.ampwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.model.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table becomes a dataset: features, target, complete rows, a split fixed by the file, per-column scaling. */
class TabularDataTest {
    @TempDir
    Path dir;

    @Test
    void theParquetFixtureBecomesARegressionOnItsNumericColumns() throws Exception {
        Dataset d = TabularData.load(TabularFileTest.fixture(), "y", Task.REGRESSION, 0, 0);
        // 200 rows, 20 with a null x4 left out: 180 split by their content (RowSplit; about 36 test, 12 validation and
        // 132 training expected): 35 test + 15 validation + 130 training
        assertThat(d.test().size()).isEqualTo(35);
        assertThat(d.validation().size()).isEqualTo(15);
        assertThat(d.train().size()).isEqualTo(130);
        assertThat(d.featureCount()).as("x1 x2 x3 x4 flag; the text column animal is no feature").isEqualTo(5);
        assertThat(d.name()).isEqualTo("tabular.parquet (target y)");
        assertThat(d.task()).isEqualTo(Task.REGRESSION);
        assertThat(d.classes()).isEqualTo(1);
        // every feature standardized over the training rows: mean 0, deviation 1 there
        for (int f = 0; f < 5; f++) {
            double sum = 0;
            double squares = 0;
            for (int r = 0; r < d.train().size(); r++) {
                double v = d.train().features()[r * 5 + f];
                sum += v;
                squares += v * v;
            }
            assertThat(sum / d.train().size()).as("feature %d mean", f).isCloseTo(0, Offset.offset(1e-5));
            assertThat(squares / d.train().size()).as("feature %d variance", f).isCloseTo(1, Offset.offset(1e-4));
        }
        // targets are kept in their units: y = 3 x1 - 2 x2 + 0.25 of the complete rows
        float[] all = concat(d.train().targets(), d.validation().targets(), d.test().targets());
        float[] expected = new float[180];
        int n = 0;
        for (int k = 0; k < 200; k++) {
            if (k % 10 != 9) {
                expected[n++] = (float) (3 * (k * 0.5) - 2 * (k % 7) + 0.25);
            }
        }
        Arrays.sort(all);
        Arrays.sort(expected);
        assertThat(all).containsExactly(expected);
    }

    @Test
    void aRowsSplitFollowsItsContentSoAnotherCopyOfTheTableScoresNoTrainingRow() throws Exception {
        StringBuilder csv = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < 300; i++) {
            csv.append(i * 0.25).append(',').append(i % 11).append(',').append(1000 + i).append('\n'); // y names the row
        }
        Path original = Files.writeString(dir.resolve("original.csv"), csv);
        Dataset trained = TabularData.load(original, "y", Task.REGRESSION, 0, 0);
        // the same rows reversed, with a text column first, numbers written another way, and 100 new rows
        StringBuilder copy = new StringBuilder("note,y,x2,x1\n");
        for (int i = 399; i >= 0; i--) {
            copy.append("r").append(i).append(',').append(1000 + i).append(".0,").append(i % 11).append(',')
                    .append(String.format(java.util.Locale.ROOT, "%.4e", i * 0.25)).append('\n');
        }
        Path other = Files.writeString(dir.resolve("copy.csv"), copy);
        Dataset scored = TabularData.load(other, trained.table(), Task.REGRESSION, 0, 0);
        assertThat(scored.name()).isEqualTo("copy.csv (target y, test rows by content: not the training file)");
        java.util.Set<Float> test = set(scored.test().targets());
        assertThat(test).as("the training file's test rows are test rows of the copy").containsAll(set(trained.test().targets()));
        assertThat(test).as("no row the model trained on is scored").doesNotContainAnyElementsOf(set(trained.train().targets()))
                .doesNotContainAnyElementsOf(set(trained.validation().targets()));
        assertThat(set(scored.validation().targets())).containsAll(set(trained.validation().targets()));
        assertThat(test.stream().filter(y -> y >= 1300)).as("new rows: about one in five is a test row").hasSizeBetween(10, 32);
        // read as its training file: the same split, in the same (hash) order
        Dataset again = TabularData.load(original, trained.table(), Task.REGRESSION, 0, 0);
        assertThat(again.name()).isEqualTo("original.csv (target y)");
        assertThat(again.test().targets()).containsExactly(trained.test().targets());
    }

    @Test
    void aModelOfTheShuffledSplitSavedBeforeRowHashesReadsTablesAsItDid() throws Exception {
        Dataset trained = TabularData.load(TabularFileTest.fixture(), "y", Task.REGRESSION, 0, 0);
        TableSchema old = new TableSchema("y", trained.table().features(), java.util.List.of(),
                TabularData.sha256(TabularFileTest.fixture()), null, null); // format version 2: no split named
        Dataset own = TabularData.load(TabularFileTest.fixture(), old, Task.REGRESSION, 0, 0);
        assertThat(own.test().size()).as("a fifth of 180 complete rows, shuffled").isEqualTo(36);
        assertThat(own.validation().size()).isEqualTo(12);
        Path copy = dir.resolve("copy.parquet");
        Files.write(copy, Files.readAllBytes(TabularFileTest.fixture()));
        Dataset same = TabularData.load(copy, old, Task.REGRESSION, 0, 0);
        assertThat(same.name()).as("byte-identical: its test split").isEqualTo("copy.parquet (target y)");
        Path csv = Files.writeString(dir.resolve("other.csv"), "x1,x2,x3,x4,flag,y\n1,2,3,4,1,5\n2,3,4,5,0,6\n");
        Dataset other = TabularData.load(csv, old, Task.REGRESSION, 0, 0);
        assertThat(other.name()).isEqualTo("other.csv (target y, every row: not the training file)");
        assertThat(other.test().size()).isEqualTo(2);
    }

    @Test
    void excludedColumnsAreNoFeaturesAndASplitKeyKeepsItsRowsTogether() throws Exception {
        StringBuilder csv = new StringBuilder("id,site,x,y\n");
        for (int i = 0; i < 600; i++) {
            csv.append(i).append(",s").append(i % 40).append(',').append(i * 0.5).append(',').append(10000 + i).append('\n');
        }
        Path file = Files.writeString(dir.resolve("sites.csv"), csv);
        Dataset d = TabularData.load(file, new TableColumns("y", java.util.List.of("id"), java.util.Optional.of("site")),
                Task.REGRESSION, 0, 0);
        assertThat(d.featureCount()).as("only x: id excluded, site the split's key (and text)").isEqualTo(1);
        assertThat(d.table().features()).extracting(TableSchema.Column::name).containsExactly("x");
        assertThat(d.table().split()).isEqualTo("key-hash");
        assertThat(d.table().splitBy()).isEqualTo("site");
        assertThat(d.name()).isEqualTo("sites.csv (target y, without id, split by site)");
        // y = 10000 + i names the row, i % 40 its site: every site's 15 rows are in one split
        java.util.Map<Integer, java.util.Set<String>> splitsOfSite = new java.util.HashMap<>();
        String[] names = {"train", "validation", "test"};
        float[][] targets = {d.train().targets(), d.validation().targets(), d.test().targets()};
        for (int k = 0; k < 3; k++) {
            for (float y : targets[k]) {
                splitsOfSite.computeIfAbsent(((int) y - 10000) % 40, x -> new java.util.HashSet<>()).add(names[k]);
            }
        }
        assertThat(splitsOfSite).hasSize(40).allSatisfy((site, splits) -> assertThat(splits).as("site s%d", site).hasSize(1));
        assertThat(d.test().size()).as("whole sites of 15 rows").isPositive().matches(n -> n % 15 == 0);
        // a later file: new rows of the known sites follow their site's split, the model's key column is needed
        StringBuilder later = new StringBuilder("site,x,y\n");
        for (int i = 600; i < 800; i++) {
            later.append("s").append(i % 40).append(',').append(i * 0.5).append(',').append(10000 + i).append('\n');
        }
        Dataset scored = TabularData.load(Files.writeString(dir.resolve("later.csv"), later), d.table(), Task.REGRESSION, 0, 0);
        assertThat(scored.name()).isEqualTo("later.csv (target y, split by site, test rows by site: not the training file)");
        java.util.Set<Integer> testSites = new java.util.HashSet<>();
        for (float y : d.test().targets()) {
            testSites.add(((int) y - 10000) % 40);
        }
        assertThat(scored.test().size()).isEqualTo(5 * testSites.size());
        for (float y : scored.test().targets()) {
            assertThat(testSites).contains(((int) y - 10000) % 40);
        }
        Path noSite = Files.writeString(dir.resolve("nosite.csv"), "x,y\n1,2\n3,4\n");
        assertThatThrownBy(() -> TabularData.load(noSite, d.table(), Task.REGRESSION, 0, 0))
                .hasMessageContaining("has no column 'site', which the model's rows were split by");
        assertThatThrownBy(() -> TabularData.load(file, new TableColumns("y", java.util.List.of("ID"), java.util.Optional.empty()),
                Task.REGRESSION, 0, 0)).hasMessageContaining("has no column 'ID' (--exclude, --split-by, --split-by-time); its columns: id, site, x, y");
        assertThatThrownBy(() -> new TableColumns("y", java.util.List.of("y"), java.util.Optional.empty()))
                .hasMessageContaining("--exclude y is the target");
    }

    @Test
    void aTableTooSmallForItsSplitIsRefusedNotSplitByMovingRows() throws Exception {
        // a review's tables: all three rows hash to the test split; none of four does. Moving a row at training made
        // training's split differ from inference's, which then scored a row the model had trained on
        Path allTest = Files.writeString(dir.resolve("tiny_alltest.csv"), "a,y\n16,33\n19,39\n23,47\n");
        assertThatThrownBy(() -> TabularData.load(allTest, "y", Task.REGRESSION, 0, 0))
                .hasMessageContaining("its 3 complete rows give no training row when split by their content");
        Path noTest = Files.writeString(dir.resolve("tiny_notest.csv"), "a,y\n1,5\n2,8\n3,11\n4,14\n");
        assertThatThrownBy(() -> TabularData.load(noTest, "y", Task.REGRESSION, 0, 0))
                .hasMessageContaining("its 4 complete rows give no test row").hasMessageContaining("give more rows");
        Path fewSites = Files.writeString(dir.resolve("few.csv"), "site,a,y\nA,1,2\nA,2,3\nB,3,4\nB,4,6\n");
        assertThatThrownBy(() -> TabularData.load(fewSites, new TableColumns("y", java.util.List.of(), java.util.Optional.of("site")),
                Task.REGRESSION, 0, 0)).hasMessageContaining("(2 values of 'site')").hasMessageContaining("split by 'site'");
    }

    @Test
    void aSplitByTimeTestsTheLatestRowsAndLaterFilesFollowItsCutOffs() throws Exception {
        // 300 days, two rows a day (y names the row); days as ISO dates, in shuffled file order
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (int d = 0; d < 300; d++) {
            for (int k = 0; k < 2; k++) {
                lines.add(java.time.LocalDate.of(2024, 1, 1).plusDays(d) + "," + (d % 7) + "," + (20000 + 2 * d + k));
            }
        }
        java.util.Collections.shuffle(lines, new java.util.Random(3));
        Path file = Files.writeString(dir.resolve("days.csv"), "day,weekday,y\n" + String.join("\n", lines) + "\n");
        Dataset d = TabularData.load(file, new TableColumns("y", java.util.List.of(), java.util.Optional.empty(),
                java.util.Optional.of("day")), Task.REGRESSION, 0, 0);
        assertThat(d.name()).isEqualTo("days.csv (target y, split by time (day))");
        assertThat(d.table().features()).extracting(TableSchema.Column::name).containsExactly("weekday");
        // 600 rows: the latest 120 (days 240..299) test, 480 / 12 = 40 before them (days 220..239) validation
        assertThat(d.test().size()).isEqualTo(120);
        assertThat(d.validation().size()).isEqualTo(40);
        assertThat(d.train().size()).isEqualTo(440);
        float latestTraining = max(d.train().targets());
        float earliestValidation = min(d.validation().targets());
        assertThat(latestTraining).as("training ends before validation begins").isLessThan(earliestValidation);
        assertThat(max(d.validation().targets())).isLessThan(min(d.test().targets()));
        assertThat(d.test().targets()[0]).as("in time order").isEqualTo(20000 + 2 * 240);
        assertThat(d.table().split()).isEqualTo("time");
        assertThat(d.table().testFrom()).isEqualTo(java.time.LocalDate.of(2024, 1, 1).plusDays(240).toEpochDay() * 86_400.0);
        // a later file of the following days, and a few old ones: only rows from the test cut-off on are test rows
        StringBuilder later = new StringBuilder("y,day,weekday\n");
        for (int dd = 280; dd < 330; dd++) {
            later.append(20000 + 2 * dd).append(',').append(java.time.LocalDate.of(2024, 1, 1).plusDays(dd)).append("T12:00:00Z,")
                    .append(dd % 7).append('\n');
        }
        later.append(20000).append(",2024-01-01,0\n");
        Dataset scored = TabularData.load(Files.writeString(dir.resolve("later.csv"), later), d.table(), Task.REGRESSION, 0, 0);
        assertThat(scored.name()).isEqualTo("later.csv (target y, split by time (day), test rows by time: not the training file)");
        assertThat(scored.test().size()).isEqualTo(50);
        assertThat(scored.train().size()).isEqualTo(1);
        Path bad = Files.writeString(dir.resolve("bad.csv"), "day,weekday,y\n2024-01-01,1,2\nyesterday,2,3\n");
        assertThatThrownBy(() -> TabularData.load(bad, new TableColumns("y", java.util.List.of(), java.util.Optional.empty(),
                java.util.Optional.of("day")), Task.REGRESSION, 0, 0)).hasMessageContaining("line 3, column 'day': 'yesterday' is no time");
        Path oneDay = Files.writeString(dir.resolve("oneday.csv"), "day,weekday,y\n" + "5,1,2\n".repeat(20) + "5,2,4\n");
        assertThatThrownBy(() -> TabularData.load(oneDay, new TableColumns("y", java.util.List.of(), java.util.Optional.empty(),
                java.util.Optional.of("day")), Task.REGRESSION, 0, 0)).hasMessageContaining("give no training row when split by time ('day')")
                .hasMessageContaining("are all rows at one time?");
        assertThatThrownBy(() -> new TableColumns("y", java.util.List.of(), java.util.Optional.of("a"), java.util.Optional.of("b")))
                .hasMessageContaining("give one");
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static java.util.Set<Float> set(float[] values) {
        java.util.Set<Float> s = new java.util.HashSet<>();
        for (float v : values) {
            s.add(v);
        }
        return s;
    }

    @Test
    void theRowHashIsPinnedBecauseSavedModelsRelyOnIt() {
        // a saved model's test rows are the rows this hash picks: changing it would score training rows
        TabularFile.Column a = new TabularFile.Column("a", new double[] {1.5, -0.0, 0.0}, null);
        TabularFile.Column y = new TabularFile.Column("y", null, new String[] {"cat", "dog", "dog"});
        assertThat(RowSplit.hash(0, java.util.List.of(a), y)).isEqualTo(HASH_OF_ROW_0);
        assertThat(RowSplit.hash(1, java.util.List.of(a), y)).as("-0 and +0 are one value").isEqualTo(RowSplit.hash(2, java.util.List.of(a), y));
        TabularFile.Column numeric = new TabularFile.Column("y", new double[] {0.1, 0.1f, 2}, null);
        assertThat(RowSplit.hash(0, java.util.List.of(a), numeric)).as("numbers as the model sees them: floats")
                .isEqualTo(RowSplit.hash(1, java.util.List.of(new TabularFile.Column("a", new double[] {1.5, 1.5, 0}, null)), numeric));
    }

    static final long HASH_OF_ROW_0 = 1397374159129385418L; // pinned from the first version, not computed elsewhere

    @Test
    void theSplitIsTheFilesNotTheRunsAndLimitsCutIt() throws Exception {
        Dataset a = TabularData.load(TabularFileTest.fixture(), "y", Task.REGRESSION, 0, 0);
        Dataset b = TabularData.load(TabularFileTest.fixture(), "y", Task.REGRESSION, 0, 0);
        assertThat(a.test().targets()).containsExactly(b.test().targets());
        assertThat(a.train().features()).containsExactly(b.train().features());
        Dataset cut = TabularData.load(TabularFileTest.fixture(), "y", Task.REGRESSION, 50, 10);
        assertThat(cut.train().size()).isEqualTo(50);
        assertThat(cut.test().size()).isEqualTo(10);
        assertThat(cut.test().targets()).containsExactly(Arrays.copyOf(a.test().targets(), 10));
    }

    @Test
    void classesAreTheTargetsDistinctValuesInOrder() throws Exception {
        Dataset d = TabularData.load(TabularFileTest.fixture(), "animal", Task.CLASSIFICATION, 0, 0);
        assertThat(d.classes()).isEqualTo(3);
        assertThat(d.featureCount()).as("y is a feature when it is not the target").isEqualTo(6);
        Path csv = dir.resolve("grades.csv");
        Files.writeString(csv, "score,grade\n1,10\n2,-3\n3,10\n4,7\n5,-3\n6,7\n7,10\n8,7\n9,-3\n10,10\n");
        Dataset g = TabularData.load(csv, "grade", Task.CLASSIFICATION, 0, 0);
        assertThat(g.classes()).isEqualTo(3);
        int[] labels = concat(g.train().labels(), g.validation().labels(), g.test().labels());
        // -3 -> 0, 7 -> 1, 10 -> 2: three of -3, three of 7, four of 10
        assertThat(Arrays.stream(labels).filter(l -> l == 0).count()).isEqualTo(3);
        assertThat(Arrays.stream(labels).filter(l -> l == 1).count()).isEqualTo(3);
        assertThat(Arrays.stream(labels).filter(l -> l == 2).count()).isEqualTo(4);
    }

    @Test
    void tablesThatCannotBeLearnedSaySoAndWhy() throws Exception {
        Path many = dir.resolve("many.csv");
        StringBuilder rows = new StringBuilder("x,y\n");
        for (int i = 0; i < 1200; i++) {
            rows.append(i).append(',').append(i * 1.5).append('\n');
        }
        Files.writeString(many, rows);
        assertThatThrownBy(() -> TabularData.load(many, "y", Task.CLASSIFICATION, 0, 0))
                .hasMessageContaining("1200 distinct values").hasMessageContaining("--task regression");
        refusal("one.csv", "x,y\n1,0\n2,0\n3,0\n4,0\n", "y", Task.CLASSIFICATION).hasMessageContaining("2 or more");
        refusal("text.csv", "name,y\na,1\nb,2\nc,3\nd,4\n", "y", Task.REGRESSION)
                .hasMessageContaining("no numeric column besides the target");
        refusal("inf.csv", "x,y\n1,1\nInfinity,2\n3,3\n4,4\n", "y", Task.REGRESSION)
                .hasMessageContaining("line 3, column 'x'");
        refusal("empty.csv", "x,y\n1,\n,2\n", "y", Task.REGRESSION).hasMessageContaining("0 complete rows");
    }

    /** Found by a user review of tables. */
    @Test
    void emptyColumnsHugeValuesAndConstantTargets() throws Exception {
        Path empty = dir.resolve("empty-column.csv");
        StringBuilder rows = new StringBuilder("x,nothing,y\n");
        for (int i = 0; i < 20; i++) {
            rows.append(i).append(",,").append(i * 2).append('\n');
        }
        Files.writeString(empty, rows);
        Dataset d = TabularData.load(empty, "y", Task.REGRESSION, 0, 0);
        assertThat(d.featureCount()).as("the column without a value is no feature; before, it took every row with it").isEqualTo(1);
        assertThat(d.train().size() + d.validation().size() + d.test().size()).isEqualTo(20);

        refusal("huge.csv", "x,y\n1,1\n2,1e200\n3,3\n4,4\n", "y", Task.REGRESSION)
                .hasMessageContaining("line 3, column 'y': 1.0E200 is not a usable value (beyond a float's range");
        refusal("infinity.csv", "x,y\n1,1\n\nINFINITY,2\n3,3\n4,4\n", "y", Task.REGRESSION)
                .as("an infinity is a value out of range (the blank line counted), not text").hasMessageContaining("line 4, column 'x'");
        refusal("header-only.csv", "x,y\n", "y", Task.REGRESSION).hasMessageContaining("has no rows");
        refusal("constant.csv", "x,y\n1,5\n2,5\n3,5\n4,5\n", "y", Task.REGRESSION)
                .hasMessageContaining("the target 'y' is 5.0 in every row; a regression needs a target that varies");
    }

    /** What loading a table of {@code csv} (written to {@code name}) throws. */
    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> refusal(String name, String csv, String target,
            Task task) throws java.io.IOException {
        Path file = Files.writeString(dir.resolve(name), csv);
        return assertThatThrownBy(() -> TabularData.load(file, target, task, 0, 0));
    }

    private static float[] concat(float[]... parts) {
        float[] all = new float[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
