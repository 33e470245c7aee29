package dev.ampwatch.analyzer.timeline;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One host's records that are not attributed yet, released in event-time order once the watermark has
 * passed them. For persistence the records are written in chunks, append-only: a commit stores the
 * records that arrived since the previous commit and are still pending as one new chunk, and deletes the
 * chunks whose records have all been released. Each record is therefore written once, whatever the
 * commit rate and however long it waits (re-writing a slice of the buffer at every commit wrote a live
 * record ~20 times at a 100 ms commit interval and a 2 s grace). Not thread-safe.
 */
public final class GraceBuffer {
    /** A chunk to store: its sequence number (its key) and its records in arrival order. */
    public record Chunk(long seq, List<Buffered> records) {}

    /** Pending records, sorted from {@code head} on. Inputs arrive nearly in order: most adds append. */
    private final ArrayList<Buffered> queue = new ArrayList<>();
    private int head;
    /** Records added since the last {@link #takeUnwritten()}, in arrival order. */
    private final ArrayList<Buffered> unwritten = new ArrayList<>();
    /** Stored chunks holding a pending record: sequence -> the latest event time in the chunk. */
    private final LinkedHashMap<Long, Long> chunks = new LinkedHashMap<>();
    private final List<Long> dropped = new ArrayList<>();
    private long nextChunk;
    private long releasedBeforeUs = Long.MIN_VALUE;

    public void add(Buffered record) {
        insert(record);
        unwritten.add(record);
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
        if (beforeUs > releasedBeforeUs) {
            releasedBeforeUs = beforeUs;
            for (Iterator<Map.Entry<Long, Long>> it = chunks.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Long, Long> chunk = it.next();
                if (chunk.getValue() < beforeUs) { // every record in it is released
                    dropped.add(chunk.getKey());
                    it.remove();
                }
            }
        }
        return out;
    }

    /** The latest event time of the pending records; {@link Long#MIN_VALUE} when there is none. */
    public long lastTimeUs() {
        return isEmpty() ? Long.MIN_VALUE : queue.get(queue.size() - 1).timeUs();
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

    /**
     * The records that arrived since the last call and are still pending, as the next chunk to store
     * (null if there are none); the chunk counts as stored from now on.
     */
    public Chunk takeUnwritten() {
        List<Buffered> pending = new ArrayList<>(unwritten.size());
        long latestUs = Long.MIN_VALUE;
        for (Buffered b : unwritten) {
            if (b.timeUs() >= releasedBeforeUs) {
                pending.add(b);
                latestUs = Math.max(latestUs, b.timeUs());
            }
        }
        unwritten.clear();
        if (pending.isEmpty()) {
            return null;
        }
        long seq = nextChunk++;
        chunks.put(seq, latestUs);
        return new Chunk(seq, pending);
    }

    /** Stored chunks whose records have all been released since the last call: to be deleted. */
    public List<Long> takeDropped() {
        List<Long> out = List.copyOf(dropped);
        dropped.clear();
        return out;
    }

    /**
     * A buffer as it was stored, from its chunks by sequence number; records before
     * {@code releasedBeforeUs} were attributed already (a chunk of nothing else is deleted at the next write).
     */
    public static GraceBuffer restore(Map<Long, List<Buffered>> storedChunks, long releasedBeforeUs) {
        GraceBuffer b = new GraceBuffer();
        b.releasedBeforeUs = releasedBeforeUs;
        storedChunks.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(chunk -> {
            long latestUs = Long.MIN_VALUE;
            for (Buffered r : chunk.getValue()) {
                latestUs = Math.max(latestUs, r.timeUs());
                if (r.timeUs() >= releasedBeforeUs) {
                    b.insert(r);
                }
            }
            if (latestUs >= releasedBeforeUs) {
                b.chunks.put(chunk.getKey(), latestUs);
            } else {
                b.dropped.add(chunk.getKey());
            }
            b.nextChunk = Math.max(b.nextChunk, chunk.getKey() + 1);
        });
        return b;
    }
}
