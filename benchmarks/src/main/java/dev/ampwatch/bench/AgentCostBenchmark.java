package dev.ampwatch.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.power.PowerAgent;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.power.metrics.SourceStats;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the power agent itself costs: CPU time of this JVM (the agent; the broker runs in its own
 * process) per second of wall time, while it samples 8 GPUs through NVML and a two-socket RAPL tree
 * and publishes to a real broker. Run through {@code benchmarks/agent-cost.sh}, which points the
 * sources at the fake NVML library and a fixture powercap tree. Scenarios run in one process, so
 * compare them as ratios.
 */
public final class AgentCostBenchmark {
    private record Scenario(String name, Duration interval, boolean spool) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        // a daemon runs for days: measure after the JIT has compiled the sampling path (C1 keeps
        // compiling for some 20 s); the "JIT" column says how much compiling was left in the window
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<Scenario> scenarios = List.of(new Scenario("10 Hz, disk spool + transactions", Duration.ofMillis(100), true),
                new Scenario("10 Hz, in-memory buffer", Duration.ofMillis(100), false),
                new Scenario("1 Hz, disk spool + transactions", Duration.ofSeconds(1), true));
        Path dir = Files.createTempDirectory("ampwatch-agent-cost");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        try (ChildProcessBroker broker = ChildProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90))) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            System.out.printf("warm-up %d s, then %d s measured per scenario%n", warmup, seconds);
            System.out.printf("%-36s %10s %14s %16s %12s%n", "scenario", "CPU [%]", "samples/s", "CPU us/sample",
                    "JIT [ms/s]");
            for (Scenario s : scenarios) {
                PowerAgentConfig config = PowerAgentConfig.defaults().withHost("bench").withSources(List.of("nvml", "rapl"))
                        .withInterval("nvml", s.interval()).withInterval("rapl", s.interval())
                        .withTopic("bench.power-samples");
                if (s.spool()) {
                    config = config.withSpoolDir(dir.resolve("spool-" + s.name().hashCode()));
                }
                try (PowerAgent agent = PowerAgent.start(config, client)) {
                    pause(Duration.ofSeconds(warmup)); // JIT, producer connection, first transactions
                    long published0 = published(agent);
                    long jit0 = jit.getTotalCompilationTime();
                    Map<Long, Long> threads0 = threadCpu();
                    long cpu0 = os.getProcessCpuTime();
                    long wall0 = System.nanoTime();
                    pause(Duration.ofSeconds(seconds));
                    double wall = (System.nanoTime() - wall0) / 1e9;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    long samples = published(agent) - published0;
                    System.out.printf("%-36s %10.2f %14.1f %16.1f %12.1f%n", s.name(), 100 * cpu / wall, samples / wall,
                            samples == 0 ? Double.NaN : 1e6 * cpu / samples, (jit.getTotalCompilationTime() - jit0) / wall);
                    printThreads(threads0, threadCpu(), cpu, wall);
                }
            }
        }
    }

    /** CPU time of every live Java thread, by thread id. */
    private static Map<Long, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t >= 0) {
                cpu.put(id, t);
            }
        }
        return cpu;
    }

    /**
     * Where the scenario's CPU went, in % of one core: Java threads by name (numbers stripped), and
     * the rest of the process (the JVM's own threads: JIT compilers, collector, VM thread).
     */
    private static void printThreads(Map<Long, Long> before, Map<Long, Long> after, double cpuSeconds, double wall) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Double> byName = new TreeMap<>();
        double java = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            ThreadInfo info = mx.getThreadInfo(e.getKey());
            double seconds = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e9;
            if (info != null && seconds > 0) {
                byName.merge(info.getThreadName().replaceAll("-?\\d+$", ""), seconds, Double::sum);
                java += seconds;
            }
        }
        byName.put("(JVM: JIT, GC, VM thread; exited threads)", Math.max(0, cpuSeconds - java));
        byName.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .filter(e -> e.getValue() / wall >= 0.0005)
                .forEach(e -> System.out.printf("    %6.2f %%  %s%n", 100 * e.getValue() / wall, e.getKey()));
    }

    private static long published(PowerAgent agent) {
        return agent.stats().all().stream().mapToLong(SourceStats::samplesPublished).sum();
    }

    /** The measurement window itself; nothing to wait for. */
    private static void pause(Duration d) throws InterruptedException {
        new CountDownLatch(1).await(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
