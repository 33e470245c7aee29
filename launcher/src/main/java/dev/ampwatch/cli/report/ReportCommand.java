package dev.ampwatch.cli.report;

import dev.ampwatch.cli.DurationConverter;
import dev.ampwatch.cli.KafkaOptions;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Writes one self-contained HTML report (and a CSV of the runs) of an experiment.",
        description = {"Writes one self-contained HTML report of an experiment (plots and the tables",
            "a paper prints: descriptive statistics, ANOVA, pairwise tests with Holm,",
            "effect sizes, TOST, power, regression checks) and a CSV of its runs.",
            "Statistics come from --analyzer (GET /experiments/ID) when given, else from",
            "the experiment-stats topic; runs from the run-energy topic with",
            "--bootstrap-servers, else from --analyzer.",
            "",
            "  ampwatch report --experiment sweep-1a2b --bootstrap-servers 127.0.0.1:9092 --out report.html",
            ""})
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--experiment", required = true, paramLabel = "ID", description = "The experiment id.")
    String experimentId;

    @Option(names = "--analyzer", paramLabel = "URL", description = "A running analyzer's HTTP address, e.g. http://127.0.0.1:9464.")
    String analyzerUrl;

    @Option(names = "--out", defaultValue = "ampwatch-report.html", paramLabel = "FILE",
            description = "The HTML file to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--csv", paramLabel = "FILE", description = "The per-run CSV to write (default: --out with .csv for .html).")
    Path csv;

    @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for Kafka or the analyzer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        boolean broker = kafka.hasBootstrap();
        if (analyzerUrl == null && !broker) {
            throw new IllegalArgumentException("nothing to read the experiment from: pass --analyzer URL (a running analyzer) "
                    + "and/or --bootstrap-servers HOST:PORT (the analyzer's output topics)");
        }
        AnalyzerSource analyzer = analyzerUrl == null ? null : new AnalyzerSource(analyzerUrl, timeout);
        TopicSource topics = broker ? new TopicSource(kafka.clientProperties(null), kafka.topics(), timeout) : null;
        String bootstrap = broker ? String.valueOf(kafka.clientProperties(null).get("bootstrap.servers")) : null;
        ExperimentStats stats;
        String statsSource;
        if (analyzer != null) {
            stats = analyzer.stats(experimentId);
            if (stats == null) {
                throw new IllegalArgumentException("unknown experiment " + experimentId + ": the analyzer at " + analyzerUrl
                        + " has no statistics for it (GET /experiments/" + experimentId + " answered 404); no run of it has"
                        + " finished, or the id is wrong");
            }
            statsSource = "statistics from the analyzer at " + analyzerUrl;
        } else {
            stats = topics.stats(experimentId);
            if (stats == null) {
                throw new IllegalArgumentException("unknown experiment " + experimentId + ": topic "
                        + kafka.topics().experimentStats().name() + " at " + bootstrap + " has no statistics for it; no run of"
                        + " it has finished, or the id (or --topic-prefix) is wrong");
            }
            statsSource = "statistics from topic " + kafka.topics().experimentStats().name() + " at " + bootstrap;
        }
        ReportData data = checkedAgainstRuns(topics != null
                ? topics.withRuns(experimentId, stats, statsSource + "; runs from topic " + kafka.topics().runEnergy().name())
                : analyzer.withRuns(experimentId, stats, statsSource + "; runs from its /runs (final records only)"));
        stats = data.stats();
        Path csvPath = csv != null ? csv : csvNextTo(out);
        write(out, ReportHtml.render(data));
        write(csvPath, ReportCsv.write(data, ReportHtml.labels(stats)));
        PrintWriter w = spec.commandLine().getOut();
        int configurations = stats.getConfigurations().size();
        w.printf("wrote %s (%d run%s, %d configuration%s%s) and %s%n", out, data.runs().size(), data.runs().size() == 1 ? "" : "s",
                configurations, configurations == 1 ? "" : "s", stats.getExcludedRuns().isEmpty() ? ""
                        : "; " + stats.getExcludedRuns().size() + " run" + (stats.getExcludedRuns().size() == 1 ? "" : "s") + " excluded",
                csvPath);
        w.flush();
        return 0;
    }

    /** Writes the report of {@code experimentId}, with {@code stats} and its runs from the run-energy topic (the demo). */
    public static void fromTopics(java.util.Map<String, Object> client, dev.ampwatch.schema.kafka.Topics topics, String experimentId,
                                  ExperimentStats stats, Path html) throws IOException {
        ReportData data = checkedAgainstRuns(new TopicSource(client, topics, Duration.ofSeconds(30)).withRuns(experimentId, stats,
                "statistics and runs from the demo's analyzer (topic " + topics.runEnergy().name() + ")"));
        write(html, ReportHtml.render(data));
        write(csvNextTo(html), ReportCsv.write(data, ReportHtml.labels(data.stats())));
    }

    /**
     * The analyzer's statistics, unless they cannot be those of the runs read: computed here from the runs, as the analyzer
     * computes them and with the settings it used, when the analyzer had to send them without their tests, comparisons,
     * ANOVA and regressions (too large for the broker: {@code not_computed} says so), or when they count other runs per
     * configuration than the runs read (a record a paused analyzer wrote late, or runs that finished since). The source
     * line says which.
     */
    static ReportData checkedAgainstRuns(ReportData data) {
        ExperimentStats stats = data.stats();
        boolean trimmed = dev.ampwatch.analyzer.streams.AnalyzerTopology.trimmed(stats);
        var s = stats.getSettings();
        var settings = new dev.ampwatch.analyzer.stats.StatisticsSettings(s.getAlpha(), s.getEquivalenceMarginRatio(),
                s.getPowerTargetRatio(), s.getPowerDifferenceRatio());
        // the runs the analyzer left out (ampwatch exclude) are left out here too, and listed apart
        List<RunExclusion> exclusions = stats.getExcludedRuns().stream().map(e -> RunExclusion.newBuilder().setRunId(e.getRunId())
                .setExperimentId(stats.getExperimentId()).setExcluded(true).setReason(e.getReason()).setStatedAt(e.getStatedAt())
                .setStatedBy(e.getStatedBy()).build()).toList();
        Set<String> out = exclusions.stream().map(RunExclusion::getRunId).collect(Collectors.toSet());
        List<RunEnergy> included = data.runs().stream().filter(r -> !out.contains(r.getRunId())).toList();
        List<RunEnergy> excluded = data.runs().stream().filter(r -> out.contains(r.getRunId())).toList();
        ExperimentStats computed = dev.ampwatch.analyzer.stats.ExperimentStatistics.computeWith(
                dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.of(stats.getExperimentId(), data.runs()), exclusions, settings);
        if (!trimmed && counts(computed).equals(counts(stats))) {
            return excluded.isEmpty() ? data : new ReportData(stats, included, data.runningTotals(), data.source(), excluded);
        }
        String why = trimmed ? "the analyzer's statistics were too large for the broker and left analyses out"
                : "the analyzer's statistics counted other runs per configuration than these (" + counts(stats) + " against "
                        + counts(computed) + ": runs finished since, or a record written late)";
        return new ReportData(computed, included, data.runningTotals(), data.source() + "; " + why + ", so they were "
                + "computed here from these " + included.size() + " runs" + (excluded.isEmpty() ? ""
                        : " (without the " + excluded.size() + " the analyzer's statistics exclude)"), excluded);
    }

    /** Completed, failed and unmeasured runs of each configuration. */
    private static java.util.Map<String, String> counts(ExperimentStats stats) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        stats.getConfigurations().forEach(c -> out.put(c.getLabel(), c.getRuns() + "/" + c.getFailedRuns() + "/" + c.getUnmeasuredRuns()));
        return out;
    }

    public static Path csvNextTo(Path html) {
        String name = html.getFileName().toString();
        String base = name.toLowerCase(java.util.Locale.ROOT).endsWith(".html") ? name.substring(0, name.length() - 5) : name;
        return html.resolveSibling(base + ".csv");
    }

    private static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
