package dev.ampwatch.cli.report;

import java.util.List;

/** Escaping and table rows: every string from the data goes through {@link #text}. */
final class Html {
    private Html() {}

    /** Text content or a quoted attribute value: &amp; &lt; &gt; &quot; &#39; escaped. */
    static String text(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A header row; cells are escaped. */
    static String head(List<String> cells) {
        StringBuilder b = new StringBuilder("<thead><tr>");
        cells.forEach(c -> b.append("<th>").append(text(c)).append("</th>"));
        return b.append("</tr></thead>\n").toString();
    }

    /** A body row; the first cell is a row header, cells that look numeric are right-aligned. */
    static String row(List<String> cells) {
        StringBuilder b = new StringBuilder("<tr>");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i) == null ? "" : cells.get(i);
            String tag = i == 0 ? "th scope=\"row\"" : c.matches("[-+<]?\\s?[0-9.,e+\\-]+( %)?") ? "td class=\"num\"" : "td";
            b.append('<').append(tag).append('>').append(text(c)).append("</").append(tag.split(" ")[0]).append('>');
        }
        return b.append("</tr>\n").toString();
    }

    /** JSON for a {@code <script type="application/json">}: no {@code </script>} or comment can end it early. */
    static String scriptJson(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }
}
