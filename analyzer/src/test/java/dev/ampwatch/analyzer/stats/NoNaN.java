package dev.ampwatch.analyzer.stats;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** The paths of every NaN or infinite double in an Avro record, recursively. */
final class NoNaN {
    private NoNaN() {}

    static List<String> in(IndexedRecord record) {
        List<String> found = new ArrayList<>();
        walk(record, record.getSchema().getName(), found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value instanceof IndexedRecord r) {
            for (Schema.Field f : r.getSchema().getFields()) {
                walk(r.get(f.pos()), path + "." + f.name(), found);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", found);
            }
        } else if (value instanceof Double d && !Double.isFinite(d)) {
            found.add(path + " = " + d);
        }
    }
}
