package dev.ampwatch.cli;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.RunEnergy;
import java.io.PrintStream;
import java.time.Duration;

/** What a profiled run's forecast says of the whole run (docs/forecasts.md), for {@code profile} and {@code follow}. */
final class ForecastReport {
    /** The reason a profiled run ends with. */
    static String reason(int epochs, String command) {
        return "profiled: stopped after " + epochs + " epochs (" + command + ")";
    }

    private ForecastReport() {}

    /** Prints the forecast; 0, or 1 when the analyzer withheld it (the reason is printed). */
    static int print(PrintStream out, RunEnergy run) {
        EnergyForecast f = run.getForecast();
        if (f == null) {
            out.println("no forecast for run " + run.getRunId() + ": " + run.getForecastWithheld());
            return 1;
        }
        long startUs = Micros.of(run.getStartTime());
        out.printf("%nforecast of run %s from its first %d epochs (%s model), for all %d planned, %.0f %% prediction intervals:%n",
                run.getRunId(), f.getAfterEpoch(), f.getModel(), f.getPlannedEpochs(), 100 * f.getConfidence());
        // the low bound is never below what was spent by the end of the epochs it rests on; the profiled run's own total
        // also has what it spent stopping, which a whole run would not spend there (a review read the two as a contradiction)
        out.printf("  energy   %.1f J  (%.1f to %.1f J); %.1f J spent by the end of epoch %d, %.1f J when the profiled run stopped%n",
                f.getEnergyJoules(), f.getEnergyLowJoules(), f.getEnergyHighJoules(), spentBy(run, f.getAfterEpoch()), f.getAfterEpoch(),
                run.getEnergyJoules());
        out.printf("  net      %.1f J  (%.1f to %.1f J) above idle%n", f.getNetEnergyJoules(), f.getNetEnergyLowJoules(),
                f.getNetEnergyHighJoules());
        out.printf("  time     %s  (%s to %s), the last epoch ending at %s%n", human(Micros.of(f.getEndTime()) - startUs),
                human(Micros.of(f.getEndLowTime()) - startUs), human(Micros.of(f.getEndHighTime()) - startUs), f.getEndTime());
        out.printf("  CO2e     %.3f g  (%.3f to %.3f g) at %.0f gCO2e/kWh%n", f.getCo2eGrams(), f.getCo2eLowGrams(), f.getCo2eHighGrams(),
                run.getCarbonIntensityGPerKwh());
        f.getNotes().forEach(n -> out.println("  note: " + n));
        if (run.getQuality().getEstimated()) {
            out.println("  note: some power came from the ESTIMATE source (no hardware sensor found): modelled, not measured");
        }
        return 0;
    }

    /** Gross energy from the run's start to the end of epoch {@code k}: each epoch and the gap before it. */
    static double spentBy(RunEnergy run, int k) {
        return run.getEpochs().stream().filter(e -> e.getEpoch() <= k)
                .mapToDouble(e -> e.getBeforeEnergyJoules() + e.getEnergyJoules()).sum();
    }

    private static String human(long micros) {
        Duration d = Duration.ofNanos(micros * 1000);
        return d.toHours() > 0 ? String.format("%dh%02dm%02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : d.toMinutes() > 0 ? String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart())
                : String.format("%.1fs", micros / 1e6);
    }
}
