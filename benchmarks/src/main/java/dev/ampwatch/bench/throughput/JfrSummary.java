package dev.ampwatch.bench.throughput;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording's CPU samples went: per thread kind, per top frame (self time), and, on the
 * stream threads, per analyzer method: the deepest {@code dev.ampwatch} frame (the analyzer code that
 * led there) and every analyzer method on the stack (inclusive). Java execution samples only: time in
 * native code (RocksDB, compression, I/O) shows in the native-sample count and under its JNI caller.
 */
public final class JfrSummary {
    private static final String OURS = "dev.ampwatch.";
    private final Map<String, Long> threads = new HashMap<>();
    private final Map<String, Long> self = new HashMap<>();
    private final Map<String, Long> selfPackages = new HashMap<>();
    private final Map<String, Long> deepestOurs = new HashMap<>();
    private final Map<String, Long> inclusiveOurs = new HashMap<>();
    private final Map<String, Long> nativeByThread = new HashMap<>();
    private final Map<String, Long> nativeStreamTop = new HashMap<>();
    private final Map<String, Long> phases = new HashMap<>();
    private final Map<String, Long> avroCallers = new HashMap<>();
    private long samples;
    private long streamSamples;

    /** Summarizes a recording made earlier: {@code JfrSummary FILE.jfr [rows]}. */
    public static void main(String[] args) throws IOException {
        of(Path.of(args[0])).print(System.out, args.length > 1 ? Integer.parseInt(args[1]) : 20);
    }

    static JfrSummary of(Path recording) throws IOException {
        JfrSummary s = new JfrSummary();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                s.execution(e);
            } else if (type.equals("jdk.NativeMethodSample")) {
                String kind = threadKind(e.getThread("sampledThread"));
                s.nativeByThread.merge(kind, 1L, Long::sum);
                if (kind.equals("stream thread") && e.getStackTrace() != null && !e.getStackTrace().getFrames().isEmpty()) {
                    s.nativeStreamTop.merge(method(e.getStackTrace().getFrames().get(0)), 1L, Long::sum);
                }
            }
        }
        return s;
    }

    private void execution(RecordedEvent e) {
        if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
            return;
        }
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        String kind = threadKind(e.getThread("sampledThread"));
        samples++;
        threads.merge(kind, 1L, Long::sum);
        String top = method(frames.get(0));
        self.merge(top, 1L, Long::sum);
        selfPackages.merge(area(top), 1L, Long::sum);
        if (!kind.equals("stream thread")) {
            return;
        }
        streamSamples++;
        String deepest = "(no analyzer frame: Kafka Streams, clients, RocksDB flush)";
        Set<String> seen = new HashSet<>();
        for (RecordedFrame f : frames) {
            String m = method(f);
            if (m.startsWith(OURS)) {
                if (seen.isEmpty()) {
                    deepest = m;
                }
                seen.add(m);
            }
        }
        deepestOurs.merge(deepest, 1L, Long::sum);
        phases.merge(phase(frames), 1L, Long::sum);
        avroCaller(frames).ifPresent(c -> avroCallers.merge(c, 1L, Long::sum));
        seen.forEach(m -> inclusiveOurs.merge(m, 1L, Long::sum));
    }

    void print(PrintStream out, int top) {
        out.printf("JFR: %d Java execution samples (%d on stream threads); native-method samples by thread: %s%n",
                samples, streamSamples, nativeByThread);
        table(out, "by thread kind (all samples)", threads, samples, top);
        table(out, "by code area of the top frame (all samples)", selfPackages, samples, top);
        table(out, "hottest methods, self (top frame, all samples)", self, samples, top);
        table(out, "stream threads: phase of the loop (what StreamThread.runOnce called)", phases, streamSamples, top);
        table(out, "stream threads: deepest analyzer (dev.ampwatch) frame", deepestOurs, streamSamples, top);
        table(out, "stream threads: who called AvroSerde encode/decode", avroCallers, streamSamples, top);
        table(out, "stream threads: analyzer methods on the stack (inclusive)", inclusiveOurs, streamSamples, top);
        table(out, "stream threads, native-method samples (waiting in I/O or in RocksDB): top frame", nativeStreamTop,
                nativeByThread.getOrDefault("stream thread", 0L), top);
    }

    private static void table(PrintStream out, String title, Map<String, Long> counts, long total, int top) {
        out.println("-- " + title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(en -> out.printf("  %6.1f %%  %7d  %s%n", 100.0 * en.getValue() / Math.max(1, total), en.getValue(), en.getKey()));
    }

    /** The call StreamThread.runOnce was in: polling, processing, committing, punctuating. */
    private static String phase(List<RecordedFrame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            // runOnce, or runOnceWithoutProcessingThreads (Kafka 3.7+)
            if (method(frames.get(i)).startsWith("org.apache.kafka.streams.processor.internals.StreamThread.runOnce")) {
                return method(frames.get(i - 1));
            }
        }
        return "(stack truncated or outside runOnce)";
    }

    /** The first frame outside AvroSerde below its outermost frame on the stack, if it is on it. */
    private static java.util.Optional<String> avroCaller(List<RecordedFrame> frames) {
        int outer = -1;
        for (int i = 0; i < frames.size(); i++) {
            if (method(frames.get(i)).startsWith("dev.ampwatch.schema.kafka.AvroSerde")) {
                outer = i;
            }
        }
        return outer < 0 || outer + 1 >= frames.size() ? java.util.Optional.empty()
                : java.util.Optional.of(method(frames.get(outer + 1)));
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** A package family, so that e.g. every RocksDB or Avro frame counts together. */
    static String area(String method) {
        for (String p : new String[] {"dev.ampwatch.", "org.rocksdb.", "org.apache.avro.", "org.apache.kafka.streams.",
                "org.apache.kafka.clients.", "org.apache.kafka.common.", "net.jpountz.", "java.util.", "java.nio.",
                "sun.nio.", "java.lang.", "jdk.", "sun."}) {
            if (method.startsWith(p)) {
                return p + "*";
            }
        }
        return method.contains(".") ? method.substring(0, method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1) + "*" : method;
    }

    static String threadKind(RecordedThread t) {
        String name = t == null || t.getJavaName() == null ? "?" : t.getJavaName();
        if (name.startsWith("kafka-producer-network-thread")) { // a stream thread's producer's is named after it
            return "producer I/O thread";
        }
        if (name.contains("StreamThread")) {
            return "stream thread";
        }
        return name.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>").replaceAll("\\d+", "N");
    }
}
