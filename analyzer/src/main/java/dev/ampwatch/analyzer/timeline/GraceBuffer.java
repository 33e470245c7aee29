package dev.ampwatch.analyzer.timeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One host's records that are not attributed yet, released in event-time order once the watermark has
 * passed them. For persistence the records are grouped into slices of event time: a commit writes only
 * the slices that changed and deletes the ones fully released, so the cost of restart-safety is per
 * slice and commit, not per record. Not thread-safe.
 */
public final class GraceBuffer {
    private final long sliceUs;
    /** Pending records, sorted from {@code head} on. Inputs arrive nearly in order: most adds append. */
    private final ArrayList<Buffered> queue = new ArrayList<>();
    private int head;
    /** Slice start -> its records in arrival order (released ones included until the slice goes). */
    private final TreeMap<Long, List<Buffered>> slices = new TreeMap<>();
    private final Set<Long> dirty = new HashSet<>();
    private final Set<Long> stored = new HashSet<>();
    private final Set<Long> dropped = new HashSet<>();
    private long releasedBeforeUs = Long.MIN_VALUE;
    private long lastSlice;
    private List<Buffered> lastSliceRecords;
    private long lastDirtySlice;
    private boolean lastSliceDirty;

    public GraceBuffer(long sliceUs) {
        if (sliceUs <= 0) {
            throw new IllegalArgumentException("slice must be positive, was " + sliceUs + " us");
        }
        this.sliceUs = sliceUs;
    }

    public void add(Buffered record) {
        insert(record);
        long slice = sliceOf(record.timeUs());
        if (lastSliceRecords != null && slice == lastSlice) {
            lastSliceRecords.add(record); // the usual case: the slice the previous record went to
        } else {
            lastSliceRecords = slices.computeIfAbsent(slice, s -> new ArrayList<>());
            lastSliceRecords.add(record);
            lastSlice = slice;
        }
        if (!lastSliceDirty || slice != lastDirtySlice) {
            dirty.add(slice);
            lastDirtySlice = slice;
            lastSliceDirty = true;
        }
    }

    /** Removes and returns, in order, every record with an event time before {@code beforeUs}. */
    public List<Buffered> releaseBefore(long beforeUs) {
        int from = head;
        while (head < queue.size() && queue.get(head).timeUs() < beforeUs) {
            head++;
        }
        List<Buffered> out = new ArrayList<>(queue.subList(from, head));
        if (head == queue.size()) {
            queue.clear();
            head = 0;
        } else if (head > 256 && head > queue.size() / 2) {
            queue.subList(0, head).clear();
            head = 0;
        }
        releasedBeforeUs = Math.max(releasedBeforeUs, beforeUs);
        while (!slices.isEmpty() && slices.firstKey() <= beforeUs - sliceUs) {
            long slice = slices.pollFirstEntry().getKey();
            dirty.remove(slice);
            if (slice == lastSlice) {
                lastSliceRecords = null;
            }
            if (slice == lastDirtySlice) {
                lastSliceDirty = false;
            }
            if (stored.remove(slice)) {
                dropped.add(slice);
            }
        }
        return out;
    }

    public int size() {
        return queue.size() - head;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    private void insert(Buffered record) {
        int n = queue.size();
        if (n == head || queue.get(n - 1).compareTo(record) <= 0) {
            queue.add(record);
            return;
        }
        int lo = head;
        int hi = n - 1; // the record goes before index hi at the latest
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (queue.get(mid).compareTo(record) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        queue.add(lo, record);
    }

    /** Slices changed since the last call, each with its records still pending; marks them stored. */
    public Map<Long, List<Buffered>> takeDirty() {
        Map<Long, List<Buffered>> out = new LinkedHashMap<>();
        for (long slice : dirty) {
            List<Buffered> pending = new ArrayList<>();
            for (Buffered b : slices.get(slice)) {
                if (b.timeUs() >= releasedBeforeUs) {
                    pending.add(b);
                }
            }
            out.put(slice, pending);
            stored.add(slice);
        }
        dirty.clear();
        lastSliceDirty = false;
        return out;
    }

    /** Stored slices that are fully released since the last call: to be deleted from the store. */
    public Set<Long> takeDropped() {
        Set<Long> out = new HashSet<>(dropped);
        dropped.clear();
        return out;
    }

    /** A buffer as it was stored; records before {@code releasedBeforeUs} were attributed already. */
    public static GraceBuffer restore(long sliceUs, Map<Long, List<Buffered>> storedSlices, long releasedBeforeUs) {
        GraceBuffer b = new GraceBuffer(sliceUs);
        b.releasedBeforeUs = releasedBeforeUs;
        storedSlices.forEach((slice, records) -> {
            List<Buffered> kept = new ArrayList<>();
            for (Buffered r : records) {
                if (r.timeUs() >= releasedBeforeUs) {
                    kept.add(r);
                    b.insert(r);
                }
            }
            b.slices.put(slice, kept);
            b.stored.add(slice);
        });
        return b;
    }

    private long sliceOf(long timeUs) {
        return Math.floorDiv(timeUs, sliceUs) * sliceUs;
    }
}
