package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.sampling.RateLimitedLog;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a CSV file that a meter or a person appends to (like {@code tail -F}): each read
 * publishes the rows added since the last read, each with its own timestamp as event time.
 *
 * <p>Format: an optional header naming the columns (any order, case-insensitive; others are
 * ignored): a time column ({@code timestamp}, {@code time}), and {@code watts} and/or one energy
 * total ({@code wh}, {@code kwh} or {@code joules}: the meter's cumulative count). Without a
 * header the columns are {@code timestamp,watts}. Separator {@code ,} (or {@code ;} or a tab
 * when the first line has no comma); lines starting with {@code #} and blank lines are skipped.
 * Timestamps: see {@link CsvTime}.
 *
 * <p>Rows already in the file at open are skipped unless {@code fromStart}; a missing file is
 * waited for. A row counts once its line ends, or once an unterminated last line has stayed the
 * same for one read (editors that save without a final newline). A row whose time is not after
 * the last published row's is skipped with a warning, so a file rewritten by an editor (a new
 * file, or a shorter one) is read again from the top without publishing any row twice. A read
 * whose new rows are all unusable fails with the first problem, naming file and line. Not
 * thread-safe beyond the sampler's pattern.
 */
final class CsvTailSession implements PowerSession {

    private static final Logger log = LoggerFactory.getLogger(CsvTailSession.class);
    private static final int MAX_BYTES_PER_READ = 16 << 20;

    private enum Col { TIME, WATTS, WH, KWH, JOULES }

    private static final Map<String, Col> NAMES = Map.ofEntries(
            Map.entry("timestamp", Col.TIME), Map.entry("time", Col.TIME), Map.entry("datetime", Col.TIME),
            Map.entry("event_time", Col.TIME), Map.entry("ts", Col.TIME),
            Map.entry("watts", Col.WATTS), Map.entry("w", Col.WATTS), Map.entry("power", Col.WATTS),
            Map.entry("power_watts", Col.WATTS),
            Map.entry("wh", Col.WH), Map.entry("energy_wh", Col.WH), Map.entry("total_wh", Col.WH),
            Map.entry("kwh", Col.KWH), Map.entry("energy_kwh", Col.KWH), Map.entry("total_kwh", Col.KWH),
            Map.entry("joules", Col.JOULES), Map.entry("j", Col.JOULES), Map.entry("energy_j", Col.JOULES));

    private final Path file;
    private final String device;
    private final ZoneId zone;
    private final RateLimitedLog warnings;

    // position in the file as it was last read
    private Object fileKey;
    private long offset;
    private long lineNo;
    private Columns columns;
    private String headerProblem;
    private long pendingSize = -1;
    private FileTime pendingModified;
    private Instant lastTime;

    /** Which column holds what; {@code energy} is WH, KWH, JOULES or null. */
    /** Where each value is; {@code width}: how many fields a row has (the header's, or 2 without one). */
    private record Columns(char separator, int time, int watts, int energyIndex, Col energy, int width, boolean header) {}

    private CsvTailSession(Path file, String device, ZoneId zone, InstantSource clock) {
        this.file = file;
        this.device = device;
        this.zone = zone;
        this.warnings = new RateLimitedLog(log, Duration.ofMinutes(1), clock);
    }

    /**
     * Opens the file; unless {@code fromStart}, the rows already in it are only read to find where
     * new rows begin (and the time they must follow).
     *
     * @throws PowerSourceException when the file's directory does not exist, or the file is unreadable
     */
    static CsvTailSession open(Path file, String device, ZoneId zone, InstantSource clock, boolean fromStart)
            throws PowerSourceException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new PowerSourceException("directory of " + file + " does not exist");
        }
        if (Files.exists(file) && !Files.isReadable(file)) {
            throw new PowerSourceException(file + " is not readable");
        }
        CsvTailSession session = new CsvTailSession(file, device, zone, clock);
        if (!fromStart) {
            List<PowerReading> existing = session.read(clock.instant(), true);
            log.info("wattmeter: following {} after its {} existing row(s)", file, existing.size());
        } else {
            log.info("wattmeter: following {} from its first row", file);
        }
        return session;
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        return read(readTime, false);
    }

    private List<PowerReading> read(Instant now, boolean skipping) throws PowerSourceException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return List.of(); // not written yet, or being replaced
        } catch (IOException e) {
            throw new PowerSourceException("cannot read " + file + ": " + e, e);
        }
        long size = attrs.size();
        Object key = attrs.fileKey();
        if ((key != null && fileKey != null && !key.equals(fileKey)) || size < offset) {
            log.info("wattmeter: {} was replaced or shortened; reading it again from the top, publishing only "
                    + "rows after {}", file, lastTime);
            offset = 0;
            lineNo = 0;
            columns = null;
            headerProblem = null;
            pendingSize = -1;
        }
        fileKey = key;
        if (size == offset) {
            return List.of();
        }
        byte[] bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int length = (int) Math.min(size - offset, MAX_BYTES_PER_READ);
            ByteBuffer buffer = ByteBuffer.allocate(length);
            ch.position(offset);
            while (buffer.hasRemaining() && ch.read(buffer) > 0) {
                // keep reading
            }
            bytes = java.util.Arrays.copyOf(buffer.array(), buffer.position());
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new PowerSourceException("cannot read " + file + ": " + e, e);
        }

        boolean wholeRest = offset + bytes.length == size;
        List<PowerReading> readings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            boolean end = i < bytes.length && bytes[i] == '\n';
            if (i == bytes.length) {
                if (start == bytes.length) {
                    pendingSize = -1;
                    break;
                }
                // an unterminated last line: used once it stayed the same for one read
                boolean stable = size == pendingSize && attrs.lastModifiedTime().equals(pendingModified)
                        && wholeRest;
                if (!stable || skipping) {
                    pendingSize = size;
                    pendingModified = attrs.lastModifiedTime();
                    break;
                }
                pendingSize = -1;
                end = true;
            }
            if (!end) {
                continue;
            }
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            offset += (i < bytes.length ? i + 1 : i) - start;
            start = i + 1;
            lineNo++;
            try {
                PowerReading r = row(line, now);
                if (r != null) {
                    if (lastTime != null && !r.eventTime().isAfter(lastTime)) {
                        if (!skipping) {
                            warnings.warn("order", null, "wattmeter: {}:{}: skipped, its time {} is not after the "
                                    + "previous row's {}", file, lineNo, r.eventTime(), lastTime);
                        }
                        continue;
                    }
                    lastTime = r.eventTime();
                    if (!skipping) {
                        readings.add(r);
                    }
                }
            } catch (IllegalArgumentException e) {
                if (!skipping) {
                    problems.add(file + ":" + lineNo + ": " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            if (readings.isEmpty()) {
                throw new PowerSourceException(problems.get(0)
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
            problems.forEach(p -> warnings.warn("row", null, "wattmeter: row not used: {}", p));
        }
        return readings;
    }

    /** The reading in one line; null for a header, comment or blank line. */
    private PowerReading row(String raw, Instant now) {
        String line = raw.strip();
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
            line = line.substring(1).strip();
        }
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        if (headerProblem != null) {
            throw new IllegalArgumentException(headerProblem);
        }
        if (columns == null) {
            char sep = line.indexOf(',') >= 0 ? ',' : line.indexOf(';') >= 0 ? ';' : '\t';
            String first = split(line, sep)[0];
            if (!first.isEmpty() && !Character.isDigit(first.charAt(0))) {
                try {
                    columns = header(line, sep);
                } catch (IllegalArgumentException e) {
                    headerProblem = e.getMessage();
                    throw e;
                }
                return null;
            }
            columns = new Columns(sep, 0, 1, -1, null, 2, false);
        }
        String[] f = split(line, columns.separator());
        for (int i = columns.width(); i < f.length; i++) {
            // "11:00,120,5" read as 120 W would be a wrong number: a decimal comma, or a column the header lacks
            if (!f[i].isEmpty()) {
                throw new IllegalArgumentException(f.length + " fields where the " + (columns.header() ? "header has" : "rows have") + " " + columns.width()
                        + " in '" + line + "'" + (columns.separator() == ',' ? " (a decimal comma? write 120.5, or separate the "
                        + "fields with ';')" : ""));
            }
        }
        if (columns.time() >= f.length || f[columns.time()].isEmpty()) {
            throw new IllegalArgumentException("no timestamp");
        }
        Instant time = CsvTime.parse(f[columns.time()], zone, now);
        OptionalDouble watts = OptionalDouble.empty();
        if (columns.watts() >= 0 && columns.watts() < f.length && !f[columns.watts()].isEmpty()) {
            watts = OptionalDouble.of(number(f[columns.watts()], "watts").doubleValue());
        }
        OptionalLong energy = OptionalLong.empty();
        if (columns.energy() != null && columns.energyIndex() < f.length && !f[columns.energyIndex()].isEmpty()) {
            String name = columns.energy().name().toLowerCase(Locale.ROOT);
            BigDecimal value = number(f[columns.energyIndex()], name);
            energy = OptionalLong.of(switch (columns.energy()) {
                case WH -> Energy.whToUj(value);
                case KWH -> Energy.kwhToUj(value);
                default -> Energy.joulesToUj(value);
            });
        }
        if (watts.isEmpty() && energy.isEmpty()) {
            throw new IllegalArgumentException("no value (watts or energy) in '" + line + "'");
        }
        return new MeterValue(watts, energy).toReading(device, time);
    }

    private static Columns header(String line, char sep) {
        String[] names = split(line, sep);
        int time = -1;
        int watts = -1;
        int energyIndex = -1;
        Col energy = null;
        for (int i = 0; i < names.length; i++) {
            Col c = NAMES.get(names[i].toLowerCase(Locale.ROOT));
            if (c == Col.TIME && time < 0) {
                time = i;
            } else if (c == Col.WATTS && watts < 0) {
                watts = i;
            } else if ((c == Col.WH || c == Col.KWH || c == Col.JOULES) && energy == null) {
                energy = c;
                energyIndex = i;
            }
        }
        if (time < 0 || (watts < 0 && energy == null)) {
            throw new IllegalArgumentException("header '" + line + "' needs a timestamp column and watts, wh, kwh "
                    + "or joules");
        }
        return new Columns(sep, time, watts, energyIndex, energy, names.length, true);
    }

    private static String[] split(String line, char sep) {
        String[] f = line.split(Pattern.quote(String.valueOf(sep)), -1);
        for (int i = 0; i < f.length; i++) {
            String s = f[i].strip();
            if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                s = s.substring(1, s.length() - 1).strip();
            }
            f[i] = s;
        }
        return f;
    }

    private static BigDecimal number(String text, String column) {
        try {
            BigDecimal d = Energy.decimal(text);
            if (d.signum() < 0) {
                throw new IllegalArgumentException(column + " is negative: '" + text + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " is not a number: '" + text + "'", e);
        }
    }

    /** The time of the last row published (or skipped at open), if any; tests. */
    Instant lastTime() {
        return lastTime;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "CsvTailSession[" + Objects.toString(file) + "]";
    }
}
