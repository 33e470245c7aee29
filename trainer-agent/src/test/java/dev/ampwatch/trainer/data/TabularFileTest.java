package dev.ampwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables read from Parquet and CSV. The Parquet fixture ({@code tabular/tabular.parquet}, 200 rows in 4 row groups of
 * several pages; SNAPPY, GZIP and uncompressed column chunks; DOUBLE, INT32, INT64, FLOAT with nulls, BOOLEAN, STRING)
 * was written by hyparquet-writer, a JavaScript implementation of Parquet independent of parquet-java; its script,
 * {@code tabular/make-fixture.mjs}, defines every value, and this test recomputes them from the same formulas.
 */
class TabularFileTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryColumnOfAParquetFileWrittenByAnotherImplementation() throws Exception {
        TabularFile t = TabularFile.read(fixture());
        assertThat(t.rows()).isEqualTo(200);
        assertThat(t.unreadable()).isEmpty();
        assertThat(t.columns()).extracting(TabularFile.Column::name)
                .containsExactly("x1", "x2", "x3", "x4", "flag", "animal", "y");
        for (int k = 0; k < 200; k++) {
            assertThat(column(t, "x1").numbers()[k]).isEqualTo(k * 0.5);
            assertThat(column(t, "x2").numbers()[k]).isEqualTo(k % 7);
            assertThat(column(t, "x3").numbers()[k]).isEqualTo(k * 1000.0);
            if (k % 10 == 9) {
                assertThat(column(t, "x4").numbers()[k]).as("a null").isNaN();
            } else {
                assertThat(column(t, "x4").numbers()[k]).isEqualTo((double) (float) (k / 8.0));
            }
            assertThat(column(t, "flag").numbers()[k]).isEqualTo(k % 2 == 0 ? 1 : 0);
            assertThat(column(t, "animal").texts()[k]).isEqualTo(List.of("cat", "dog", "eel").get(k % 3));
            assertThat(column(t, "y").numbers()[k]).isEqualTo(3 * (k * 0.5) - 2 * (k % 7) + 0.25);
        }
    }

    @Test
    void readsCsvWithQuotesMissingValuesAndTextColumns() throws Exception {
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, """
                a,"b, quoted",name,y
                1.5,2,"x, y",10
                ,3,z,NA
                -2e3, 4 ,w,12.5

                """);
        TabularFile t = TabularFile.read(csv);
        assertThat(t.rows()).isEqualTo(3);
        assertThat(column(t, "a").numbers()).containsExactly(1.5, Double.NaN, -2000.0);
        assertThat(column(t, "b, quoted").numbers()).containsExactly(2.0, 3.0, 4.0);
        assertThat(column(t, "name").texts()).containsExactly("x, y", "z", "w");
        assertThat(column(t, "y").numbers()).containsExactly(10.0, Double.NaN, 12.5);
        Path gz = dir.resolve("t.csv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(csv));
        }
        assertThat(column(TabularFile.read(gz), "y").numbers()).containsExactly(10.0, Double.NaN, 12.5);
    }

    @Test
    void badFilesAreErrorsNamingTheFileAndWhere() throws Exception {
        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "a,b\n1,2\n3\n");
        assertThatThrownBy(() -> TabularFile.read(ragged)).isInstanceOf(IOException.class)
                .hasMessageContaining("ragged.csv line 3").hasMessageContaining("1 values, the header names 2 columns");

        byte[] parquet = Files.readAllBytes(fixture());
        Path truncated = dir.resolve("truncated.parquet");
        Files.write(truncated, java.util.Arrays.copyOf(parquet, parquet.length / 2));
        assertThatThrownBy(() -> TabularFile.read(truncated)).isInstanceOf(IOException.class)
                .hasMessageContaining("truncated.parquet");

        byte[] corrupt = parquet.clone(); // a column chunk's bytes overwritten, the footer intact
        for (int i = 200; i < 1200; i++) {
            corrupt[i] = (byte) 0xA5;
        }
        Path damaged = dir.resolve("damaged.parquet");
        Files.write(damaged, corrupt);
        assertThatThrownBy(() -> TabularFile.read(damaged)).isInstanceOf(IOException.class)
                .hasMessageContaining("damaged.parquet");

        assertThatThrownBy(() -> TabularFile.read(dir.resolve("nope.csv"))).hasMessageContaining("nope.csv does not exist");
        assertThatThrownBy(() -> TabularFile.read(dir)).hasMessageContaining("is not a file");
        Path other = dir.resolve("data.json");
        Files.writeString(other, "{}");
        assertThatThrownBy(() -> TabularFile.read(other)).hasMessageContaining("neither .parquet nor .csv");
    }

    /** Found by a user review of tables: each was read wrongly or refused with a message that did not say why. */
    @Test
    void csvHeadersAndValuesAsSpreadsheetsWriteThem() throws Exception {
        Path bom = dir.resolve("bom.csv");
        Files.writeString(bom, "\uFEFFarea,price\n1,2\n");
        assertThat(TabularFile.read(bom).columns()).extracting(TabularFile.Column::name).containsExactly("area", "price");
        Path twice = dir.resolve("twice.csv");
        Files.writeString(twice, "a,a,y\n1,2,3\n");
        assertThatThrownBy(() -> TabularFile.read(twice)).hasMessage(twice + " line 1: columns 1 and 2 are both named 'a';"
                + " a column is found by its name");
        Path trailing = dir.resolve("trailing.csv");
        Files.writeString(trailing, "a,b,\n1,2,\n");
        assertThatThrownBy(() -> TabularFile.read(trailing)).hasMessageStartingWith(trailing + " line 1: ")
                .hasMessageContaining("a trailing comma?");
        Path semicolons = dir.resolve("semicolons.csv");
        Files.writeString(semicolons, "a;b;y\n1,5;2;3\n");
        assertThatThrownBy(() -> TabularFile.read(semicolons)).hasMessageContaining("separated by semicolons?");
        Path codes = dir.resolve("codes.csv");
        Files.writeString(codes, "code,amount,y\n1d,N/A,1\n2f,-,2\n3,4.5e1,3\n");
        TabularFile t = TabularFile.read(codes);
        assertThat(column(t, "code").numeric()).as("1d and 2f are codes, not numbers").isFalse();
        assertThat(column(t, "code").firstText()).isEqualTo("line 2: \"1d\"");
        assertThat(column(t, "amount").numbers()).containsExactly(Double.NaN, Double.NaN, 45.0);
    }

    /** Found by a review: a file handle left open, no file name, and a gzip name on a plain file. */
    @Test
    void aCsvThatIsNotUtf8OrNotGzipSaysSo() throws Exception {
        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "Gr\u00f6\u00dfe,y\n1,2\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TabularFile.read(latin1)).hasMessage(latin1 + " is not UTF-8 text (save it as UTF-8, e.g. a"
                + " spreadsheet's \"CSV UTF-8\")");
        Path notGzip = dir.resolve("plain.csv.gz");
        Files.writeString(notGzip, "a,y\n1,2\n");
        assertThatThrownBy(() -> TabularFile.read(notGzip)).hasMessage(notGzip + " is named .gz but is not gzip-compressed");
        Path blank = dir.resolve("blank.csv");
        Files.writeString(blank, "x,y\n1,2\n\nabc,3\n");
        assertThat(column(TabularFile.read(blank), "x").firstText()).isEqualTo("line 4: \"abc\"");
    }

    static Path fixture() throws Exception {
        return Path.of(TabularFileTest.class.getResource("/tabular/tabular.parquet").toURI());
    }

    private static TabularFile.Column column(TabularFile t, String name) {
        return t.columns().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
