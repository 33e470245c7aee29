package dev.ampwatch.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a replay input file (power CSV or training-event JSON lines): which carry data, and
 * how a CSV line splits into fields.
 */
final class InputLines {

    private InputLines() {}

    /**
     * The line without a leading byte order mark (on line 1); null for a line that carries no data:
     * blank, or a {@code #} comment.
     */
    static String content(int lineNo, String line) {
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        String trimmed = line.strip();
        return trimmed.isEmpty() || trimmed.startsWith("#") ? null : line;
    }

    /** Splits one CSV line at commas; a field may be double-quoted, with "" for a quote inside. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                int start = i;
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidInputException(null, null, "has an unclosed quote (opened at character " + (start + 1) + ")");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cur.append(c);
                    }
                }
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new InvalidInputException(null, null, "has text after a closing quote at character " + (i + 1));
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    cur.append(line.charAt(i++));
                }
            }
            out.add(cur.toString());
            cur.setLength(0);
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }
}
