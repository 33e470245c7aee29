package dev.ampwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser (headless Chromium, installed by .ci/run): its script runs without an
 * error and draws data marks in every plot. Reads the DOM after the script ran ({@code --dump-dom}): the
 * body's {@code data-script-errors} and {@code data-plots-ok}, each figure's {@code data-marks} and SVG.
 * Also leaves a screenshot in target/ to look at.
 */
class ReportBrowserTest {
    static final List<Path> CHROMIUM = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"),
            Path.of("/usr/bin/google-chrome"));
    static final Pattern FIGURE = Pattern.compile("(?s)<figure class=\"plot\" data-plot=\"([^\"]+)\" data-marks=\"(\\d+)\">(.*?)</figure>");

    @Test
    void everyPlotHasDataMarksAndTheScriptRaisesNoError(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        Path page = dir.resolve("report.html");
        Files.writeString(page, ReportHtml.render(ReportFixture.data()));
        String dom = dumpDom(chromium, page, dir);

        assertThat(attribute(dom, "data-script-errors")).as(errors(dom)).isEqualTo("0");
        assertThat(attribute(dom, "data-plots")).isEqualTo("6");
        assertThat(attribute(dom, "data-plots-ok")).isEqualTo("6");
        List<String> seen = new ArrayList<>();
        Matcher m = FIGURE.matcher(dom);
        while (m.find()) {
            seen.add(m.group(1));
            assertThat(Integer.parseInt(m.group(2))).as("data marks of " + m.group(1)).isPositive();
            assertThat(m.group(3)).as(m.group(1)).contains("<svg").containsPattern("class=\"mark\"");
        }
        assertThat(seen).hasSize(6);
        // 20 runs: 20 lines over time, 20 dots and 4 means per distribution
        assertThat(count(dom, "power-over-time", "<polyline")).isEqualTo(20);
        assertThat(count(dom, "power-by-configuration", "<circle")).isEqualTo(20);

        Path shot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        run(chromium, dir, "--window-size=1280,2400", "--screenshot=" + shot, page.toUri().toString());
        assertThat(shot).isNotEmptyFile();
    }

    /** Training and inference runs in one experiment: every plot still draws, the Inference section is there. */
    @Test
    void aMixedExperimentRendersWithoutErrors(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        Path page = dir.resolve("mixed.html");
        Files.writeString(page, ReportHtml.render(ReportFixture.withInference()));
        String dom = dumpDom(chromium, page, dir);
        assertThat(attribute(dom, "data-script-errors")).as(errors(dom)).isEqualTo("0");
        assertThat(attribute(dom, "data-plots-ok")).isEqualTo(attribute(dom, "data-plots"));
        assertThat(count(dom, "power-over-time", "<polyline")).as("20 training and 6 inference runs").isEqualTo(26);
        assertThat(dom).contains("<section id=\"inference\">");
    }

    @Test
    void aBrokenPlotIsCaughtNotPassed(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        Path page = dir.resolve("broken.html");
        // the figure stays, its data is gone: the script must say so
        Files.writeString(page, ReportHtml.render(ReportFixture.data()).replace("{\"power-over-time\":", "{\"renamed\":"));
        String dom = dumpDom(chromium, page, dir);

        assertThat(attribute(dom, "data-script-errors")).isEqualTo("1");
        assertThat(errors(dom)).contains("power-over-time: no data for plot power-over-time");
        assertThat(attribute(dom, "data-plots-ok")).isEqualTo("5");
    }

    static Path chromium() {
        Path found = CHROMIUM.stream().filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(found != null, "chromium not installed (apt-get install chromium; .ci/run installs it)");
        return found;
    }

    static String dumpDom(Path chromium, Path page, Path dir) throws IOException, InterruptedException {
        return run(chromium, dir, "--dump-dom", "--virtual-time-budget=5000", page.toUri().toString());
    }

    private static String run(Path chromium, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + dir.resolve("profile")));
        command.addAll(List.of(args));
        Path err = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 90 s: " + Files.readString(err));
        }
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        return out;
    }

    static String attribute(String dom, String name) {
        Matcher m = Pattern.compile("<body[^>]*\\s" + name + "=\"([^\"]*)\"").matcher(dom);
        assertThat(m.find()).as(name + " on <body> in:\n" + dom.substring(0, Math.min(2000, dom.length()))).isTrue();
        return m.group(1);
    }

    static String errors(String dom) {
        Matcher m = Pattern.compile("(?s)<pre id=\"script-errors\"[^>]*>(.*?)</pre>").matcher(dom);
        return m.find() ? m.group(1) : "";
    }

    static long count(String dom, String plot, String tag) {
        Matcher m = FIGURE.matcher(dom);
        return Stream.iterate(0, i -> m.find(), i -> i).filter(i -> m.group(1).equals(plot))
                .mapToLong(i -> Pattern.compile(Pattern.quote(tag)).matcher(m.group(3)).results().count()).sum();
    }
}
