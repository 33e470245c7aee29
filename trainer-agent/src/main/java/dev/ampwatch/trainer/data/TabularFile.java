package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A table read from a Parquet or CSV file (by its name: {@code .parquet}, {@code .csv}, {@code .csv.gz}), column by
 * column: numbers as doubles, text as strings, a missing value as NaN or null. What cannot be a feature or a target
 * (nested or repeated Parquet fields, binary, INT96 times) is listed in {@link #unreadable} with why, not read.
 *
 * <p>Parquet goes through parquet-java (its record assembly and encodings; {@link ParquetCodecs} for the pages), CSV
 * through Commons CSV (RFC 4180, a header line naming the columns). Not thread-safe while reading; the result is
 * immutable by convention.
 *
 * @param file what was read
 * @param columns the readable columns in the file's order
 * @param unreadable a column name and why it was not read, per column left out
 * @param rows rows in the file
 * @param lines each row's line in a CSV file (its last, for a value spanning lines); null for Parquet
 */
public record TabularFile(Path file, List<Column> columns, List<String> unreadable, int rows, int[] lines) {

    /**
     * One column: {@code numbers} (NaN where missing) or {@code texts} (null where missing), the other null;
     * {@code firstText} says, for a CSV column of text, where its first value that is no number is (null otherwise).
     */
    public record Column(String name, double[] numbers, String[] texts, String firstText) {
        public Column(String name, double[] numbers, String[] texts) {
            this(name, numbers, texts, null);
        }

        public boolean numeric() {
            return numbers != null;
        }
    }

    /** Whether {@code file} is named as a table this class reads. */
    public static boolean isTable(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".parquet") || name.endsWith(".csv") || name.endsWith(".csv.gz");
    }

    /** Reads {@code file}; errors name the file and, where it applies, the row and column. */
    public static TabularFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("dataset file " + file + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new IOException("dataset file " + file + " is not readable (permissions)");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) {
            return parquet(file);
        }
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return csv(file);
        }
        throw new IOException("dataset file " + file + " is neither .parquet nor .csv (.csv.gz)");
    }

    private static TabularFile parquet(Path file) throws IOException {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ParquetCodecs()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Type field : schema.getFields()) {
                if (!seen.add(field.getName())) {
                    throw new IOException(file + " has two columns named '" + field.getName() + "'");
                }
            }
            long total = reader.getRecordCount();
            if (total > Integer.MAX_VALUE) {
                throw new IOException(file + " has " + total + " rows, more than one run can hold");
            }
            int rows = (int) total;
            List<Type> fields = schema.getFields();
            List<String> unreadable = new ArrayList<>();
            int[] index = new int[fields.size()];
            List<Column> columns = new ArrayList<>();
            for (int f = 0; f < fields.size(); f++) {
                Type field = fields.get(f);
                String why = unreadable(field);
                index[f] = -1;
                if (why != null) {
                    unreadable.add(field.getName() + " (" + why + ")");
                    continue;
                }
                index[f] = columns.size();
                columns.add(text(field.asPrimitiveType())
                        ? new Column(field.getName(), null, new String[rows])
                        : new Column(field.getName(), new double[rows], null));
            }
            int row = 0;
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                        .getRecordReader(pages, new GroupRecordConverter(schema));
                for (long r = 0; r < pages.getRowCount(); r++, row++) {
                    Group g = records.read();
                    for (int f = 0; f < fields.size(); f++) {
                        if (index[f] >= 0) {
                            set(columns.get(index[f]), row, g, f, fields.get(f).asPrimitiveType());
                        }
                    }
                }
            }
            if (row != rows) {
                throw new IOException(file + ": its footer counts " + rows + " rows, its row groups hold " + row);
            }
            return new TabularFile(file, List.copyOf(columns), List.copyOf(unreadable), rows, null);
        } catch (IOException | RuntimeException e) { // a bad footer or page header, ParquetDecodingException, ...
            if (e instanceof IOException && String.valueOf(e.getMessage()).startsWith(file.toString())) {
                throw e; // already says where
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof UnsupportedOperationException) { // ParquetCodecs: a codec read nowhere here, not corruption
                    throw new IOException(file + ": " + t.getMessage(), e);
                }
            }
            String why = String.valueOf(e.getMessage()).replaceAll("org\\.apache\\.parquet\\.io\\.LocalInputFile@[0-9a-f]+", file.toString());
            throw new IOException(file + " is not a readable Parquet file (corrupt or truncated?): " + why, e);
        }
    }

    /** Why {@code field} cannot be a column here, or null if it can. */
    private static String unreadable(Type field) {
        if (!field.isPrimitive()) {
            return "nested";
        }
        if (field.isRepetition(Type.Repetition.REPEATED)) {
            return "repeated";
        }
        PrimitiveType p = field.asPrimitiveType();
        LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
        return switch (p.getPrimitiveTypeName()) {
            case DOUBLE, FLOAT, INT32, INT64, BOOLEAN -> null;
            case BINARY -> text(p) ? null
                    : logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation ? null : "binary";
            case FIXED_LEN_BYTE_ARRAY -> logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation
                    ? null : "fixed-length binary";
            case INT96 -> "INT96 timestamp";
        };
    }

    private static boolean text(PrimitiveType p) {
        LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
        return p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                && (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation);
    }

    private static void set(Column column, int row, Group g, int field, PrimitiveType type) {
        boolean present = g.getFieldRepetitionCount(field) > 0;
        if (column.texts() != null) {
            column.texts()[row] = present ? g.getString(field, 0) : null;
            return;
        }
        if (!present) {
            column.numbers()[row] = Double.NaN;
            return;
        }
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        int scale = logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d ? d.getScale() : -1;
        column.numbers()[row] = switch (type.getPrimitiveTypeName()) {
            case DOUBLE -> g.getDouble(field, 0);
            case FLOAT -> g.getFloat(field, 0);
            case INT32 -> scale >= 0 ? BigDecimal.valueOf(g.getInteger(field, 0), scale).doubleValue()
                    : logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned()
                            ? Integer.toUnsignedLong(g.getInteger(field, 0)) : g.getInteger(field, 0);
            case INT64 -> scale >= 0 ? BigDecimal.valueOf(g.getLong(field, 0), scale).doubleValue()
                    : logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned()
                            ? Double.parseDouble(Long.toUnsignedString(g.getLong(field, 0))) : g.getLong(field, 0);
            case BOOLEAN -> g.getBoolean(field, 0) ? 1 : 0;
            case BINARY, FIXED_LEN_BYTE_ARRAY -> new BigDecimal(new java.math.BigInteger(g.getBinary(field, 0).getBytes()),
                    scale).doubleValue();
            case INT96 -> throw new IllegalStateException("INT96 is not read");
        };
    }

    private static TabularFile csv(Path file) throws IOException {
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreSurroundingSpaces(true).get();
        boolean gzip = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        List<String> names;
        List<List<String>> values = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try (java.io.InputStream raw = Files.newInputStream(file);
                Reader in = withoutBom(new java.io.InputStreamReader(gzip ? gunzip(raw, file) : raw, StandardCharsets.UTF_8
                        .newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)));
                CSVParser parser = parser(in, format, file)) {
            names = parser.getHeaderNames();
            if (names.isEmpty()) {
                throw new IOException(file + " has no header line naming its columns");
            }
            for (int c = 0; c < names.size(); c++) {
                int first = names.indexOf(names.get(c));
                if (first != c) {
                    throw new IOException(file + " line 1: columns " + (first + 1) + " and " + (c + 1) + " are both named '"
                            + names.get(c) + "'; a column is found by its name");
                }
            }
            if (names.size() == 1 && names.get(0).contains(";")) {
                throw new IOException(file + " line 1: one column named '" + names.get(0) + "': are its values separated by"
                        + " semicolons? ampwatch reads comma-separated values (RFC 4180), with a dot as the decimal mark");
            }
            for (int c = 0; c < names.size(); c++) {
                values.add(new ArrayList<>());
            }
            for (CSVRecord record : parser) {
                if (record.size() == 1 && record.get(0).isEmpty()) {
                    continue; // a blank line
                }
                if (record.size() != names.size()) {
                    throw new IOException(file + " line " + record.getParser().getCurrentLineNumber() + ": "
                            + record.size() + " values, the header names " + names.size() + " columns");
                }
                for (int c = 0; c < names.size(); c++) {
                    values.get(c).add(record.get(c));
                }
                lines.add((int) parser.getCurrentLineNumber()); // the record's (last) line: blank lines are skipped
            }
        } catch (java.io.UncheckedIOException e) { // Commons CSV wraps a malformed line (an open quote) so
            if (e.getCause() instanceof java.nio.charset.CharacterCodingException) {
                throw notUtf8(file, e);
            }
            throw new IOException(file + " is not readable CSV: " + e.getCause().getMessage(), e);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notUtf8(file, e);
        }
        int rows = values.isEmpty() ? 0 : values.get(0).size();
        int[] lineOf = lines.stream().mapToInt(Integer::intValue).toArray();
        List<Column> columns = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            columns.add(csvColumn(names.get(c), values.get(c), lineOf));
        }
        return new TabularFile(file, List.copyOf(columns), List.of(), rows, lineOf);
    }

    private static IOException notUtf8(Path file, Exception e) {
        return new IOException(file + " is not UTF-8 text (save it as UTF-8, e.g. a spreadsheet's \"CSV UTF-8\")", e);
    }

    private static java.io.InputStream gunzip(java.io.InputStream raw, Path file) throws IOException {
        try {
            return new GZIPInputStream(raw);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + " is named .gz but is not gzip-compressed", e);
        }
    }

    /** Where row {@code row} (0-based) is in the file, for messages: a CSV line, or a Parquet row. */
    public String where(int row) {
        return lines == null ? "row " + (row + 1) : "line " + lines[row];
    }

    /** The parser, or an error naming the file when the header cannot be one (a column without a name). */
    private static CSVParser parser(Reader in, CSVFormat format, Path file) throws IOException {
        try {
            return CSVParser.builder().setReader(in).setFormat(format).get();
        } catch (IllegalArgumentException e) { // Commons CSV: "A header name is missing in [a, b, ]"
            throw new IOException(file + " line 1: " + e.getMessage() + " (a trailing comma?)", e);
        }
    }

    /** The text without a leading byte-order mark (Excel's "CSV UTF-8" writes one). */
    private static Reader withoutBom(Reader in) throws IOException {
        java.io.PushbackReader r = new java.io.PushbackReader(in, 1);
        int first = r.read();
        if (first != -1 && first != '\uFEFF') {
            r.unread(first);
        }
        return r;
    }

    /** A number as written in a table: decimal, with a dot and an optional exponent; or an infinity (refused later). */
    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|[+-]?(Infinity|inf)", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** Numbers where every present value parses as one (empty, NA, N/A, -, NaN and null are missing), else text. */
    private static Column csvColumn(String name, List<String> values, int[] lines) {
        double[] numbers = new double[values.size()];
        for (int r = 0; r < numbers.length; r++) {
            String v = values.get(r);
            if (missing(v)) {
                numbers[r] = Double.NaN;
                continue;
            }
            try {
                if (!NUMBER.matcher(v).matches()) { // Java would also read 1d, 2f, 0x1p3: codes, not numbers
                    throw new NumberFormatException(v);
                }
                String lower = v.toLowerCase(Locale.ROOT);
                numbers[r] = lower.endsWith("inf") || lower.endsWith("infinity")
                        ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                String[] texts = new String[values.size()];
                for (int t = 0; t < texts.length; t++) {
                    texts[t] = missing(values.get(t)) ? null : values.get(t);
                }
                return new Column(name, null, texts, "line " + lines[r] + ": \"" + v + "\"");
            }
        }
        return new Column(name, numbers, null);
    }

    private static boolean missing(String v) {
        return v.isEmpty() || v.equalsIgnoreCase("NA") || v.equalsIgnoreCase("N/A") || v.equals("-") || v.equalsIgnoreCase("NaN")
                || v.equalsIgnoreCase("null");
    }
}
