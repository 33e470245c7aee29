package dev.ampwatch.cli;

import dev.ampwatch.power.PowerAgent;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.power.SourceStatus;
import dev.ampwatch.schema.host.HostId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "power-agent", mixinStandardHelpOptions = true, versionProvider = Ampwatch.Version.class,
        description = "Samples this host's power sources and publishes PowerSample records until Ctrl-C.")
final class PowerAgentCommand implements Callable<Integer> {
    @Option(names = "--list-sources", description = "Say which power sources are available here and why not, then exit.")
    boolean listSources;

    @Option(names = "--host", converter = HostIdConverter.class,
            description = "Host id written into every sample and used as its Kafka key (default: " + HostIdConverter.DEFAULT + ").")
    String host;

    @Option(names = "--sources", split = ",", paramLabel = "NAME", defaultValue = "nvml,rapl,wattmeter,estimate",
            description = "Sources to try, in order of preference (default: ${DEFAULT-VALUE}).")
    List<String> sources;

    @Option(names = "--interval", paramLabel = "SOURCE=DURATION",
            description = "Sampling interval of a source, e.g. --interval estimate=250ms. Repeatable.")
    Map<String, String> intervals = Map.of();

    @Option(names = {"-S", "--source-setting"}, paramLabel = "KEY=VALUE",
            description = {"A source setting, repeatable, e.g. -S wattmeter.type=shelly -S wattmeter.url=http://192.168.1.50,",
                "-S nvml.library=/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1, -S rapl.sysfs-root=/host.",
                "See docs/power-sources.md for every setting."})
    Map<String, String> sourceSettings = Map.of();

    @Option(names = "--cpu-tdp-watts", description = "CPU TDP for the estimate source (default: 65).")
    Double tdpWatts;

    @Option(names = "--spool-dir", defaultValue = "ampwatch-data/power-spool",
            description = "Samples wait here on disk until Kafka confirms them, so a broker outage or an agent restart "
                    + "loses none and duplicates none (default: ${DEFAULT-VALUE}).")
    Path spoolDir;

    @Option(names = "--send-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "How long spooled samples gather before one Kafka transaction: shorter means the analyzer "
                    + "sees them sooner, longer costs the agent less CPU; 0s sends every tick (default: ${DEFAULT-VALUE}).")
    Duration sendInterval;

    @Option(names = "--metrics-port", defaultValue = "9465",
            description = "Port of the agent's own /metrics (samples read, published, failed per source, spool depth, "
                    + "last sample age); -1 serves none (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address of /metrics (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    PowerAgentConfig config() {
        PowerAgentConfig c = PowerAgentConfig.defaults().withTopic(kafka.topics().powerSamples().name())
                .withSpoolDir(spoolDir).withSendInterval(sendInterval).withHost(HostId.orLocal(host));
        if (sources != null) {
            // a misspelt name in a list dropped that source without an error (a review: nvml,rapl1 loses the CPU's power)
            List<String> installed = dev.ampwatch.power.PowerSourceRegistry.discover().names();
            List<String> unknown = sources.stream().filter(n -> !installed.contains(n)).toList();
            if (!unknown.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sources: no source named "
                        + String.join(", ", unknown) + " is installed; installed: " + String.join(", ", installed));
            }
            c = c.withSources(sources);
        }
        List<String> installedSources = dev.ampwatch.power.PowerSourceRegistry.discover().names();
        for (Map.Entry<String, String> e : intervals.entrySet()) {
            if (!installedSources.contains(e.getKey())) { // a typo was ignored silently, sampling at the default (a review)
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval " + e.getKey() + "=" + e.getValue()
                        + ": no source named " + e.getKey() + " is installed; installed: " + String.join(", ", installedSources));
            }
            c = c.withInterval(e.getKey(), DurationConverter.parse(e.getValue()));
        }
        try {
            dev.ampwatch.power.PowerSourceRegistry.discover().checkSettings(sourceSettings.keySet());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-S " + e.getMessage());
        }
        Double idleFraction = null;
        Double dramWattsPerGib = null;
        Double tdp = tdpWatts;
        for (Map.Entry<String, String> e : sourceSettings.entrySet()) {
            switch (e.getKey()) { // the estimate model's settings are typed fields of the config
                case dev.ampwatch.power.estimate.EstimateSource.TDP_WATTS -> tdp = tdp != null ? tdp : number(e);
                case dev.ampwatch.power.estimate.EstimateSource.IDLE_FRACTION -> idleFraction = number(e);
                case dev.ampwatch.power.estimate.EstimateSource.DRAM_WATTS_PER_GIB -> dramWattsPerGib = number(e);
                default -> c = c.withSourceSetting(e.getKey(), e.getValue());
            }
        }
        if (tdp != null || idleFraction != null || dramWattsPerGib != null) {
            try {
                c = c.withEstimate(tdp != null ? tdp : c.cpuTdpWatts(), idleFraction != null ? idleFraction : c.cpuIdleFraction(),
                        dramWattsPerGib != null ? dramWattsPerGib : c.dramWattsPerGib());
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "estimate model: " + e.getMessage());
            }
        }
        return c;
    }

    private double number(Map.Entry<String, String> setting) {
        try {
            return Double.parseDouble(setting.getValue().trim());
        } catch (NumberFormatException ex) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-S " + setting.getKey() + "=" + setting.getValue()
                    + ": expected a number");
        }
    }

    @Override
    public Integer call() throws Exception {
        PowerAgentConfig config = config();
        if (listSources) {
            List<SourceStatus> statuses = PowerAgent.listSources(config);
            System.out.println(SourceStatus.formatAll(statuses));
            // a pre-flight script can tell: 1 when no configured source could be opened here (the agent would not start)
            return statuses.stream().anyMatch(st -> st.state() == SourceStatus.State.AVAILABLE) ? 0 : 1;
        }
        Lifetime lifetime = new Lifetime();
        dev.ampwatch.power.metrics.AgentStats stats;
        Map<String, Object> client = kafka.clientProperties(null);
        try (PowerAgent agent = PowerAgent.start(config, client);
             MetricsEndpoint metrics = metricsPort < 0 ? null : MetricsEndpoint.start(metricsHost, metricsPort, agent.metrics())) {
            System.out.println("power-agent on host " + config.host() + ":\n" + SourceStatus.formatAll(agent.sourceStatuses())
                    + (metrics == null ? "" : "\nmetrics on http://" + metricsHost + ":" + metrics.port() + "/metrics"));
            lifetime.await(duration);
            stats = agent.stats();
        } finally {
            lifetime.closed();
        }
        return exitCode(stats, config, String.valueOf(client.get("bootstrap.servers")));
    }

    /**
     * 3 when the agent read samples but delivered none (a broker that refused it the whole time: wrong
     * credentials, ACLs, a missing topic), so a service manager or script sees the failure; 0 otherwise.
     */
    static int exitCode(dev.ampwatch.power.metrics.AgentStats stats, PowerAgentConfig config) {
        return exitCode(stats, config, null);
    }

    /** @param kafka the bootstrap servers, named in the message (a review: "check the broker address" did not give it) */
    static int exitCode(dev.ampwatch.power.metrics.AgentStats stats, PowerAgentConfig config, String kafka) {
        long read = stats.all().stream().mapToLong(dev.ampwatch.power.metrics.SourceStats::samplesRead).sum();
        long published = stats.all().stream().mapToLong(dev.ampwatch.power.metrics.SourceStats::samplesPublished).sum();
        if (read == 0 || published > 0) {
            return 0;
        }
        long failed = stats.all().stream().mapToLong(dev.ampwatch.power.metrics.SourceStats::sendsFailed).sum();
        long dropped = stats.all().stream().mapToLong(dev.ampwatch.power.metrics.SourceStats::samplesDropped).sum();
        System.err.println("ampwatch power-agent: none of the " + read + " samples read was delivered to Kafka (" + failed
                + " sends failed, " + dropped + " samples dropped" + config.spoolDir().map(d -> "; the rest stay in the spool " + d + " for the next start").orElse("")
                + "); check the broker address" + (kafka == null ? "" : " (" + kafka + ")") + ", the credentials and the topic's ACLs");
        return 3;
    }
}
