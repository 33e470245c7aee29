package dev.ampwatch.analyzer.forecast;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.ForecastCheck;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A run's total energy and end, forecast from its first complete epochs (short profiling, docs/forecasts.md).
 *
 * <p>After K complete epochs of N planned, the run has spent E_K (from its start through epoch K's end:
 * set-up, the epochs and the gaps between them). Each epoch and a gap between epochs is a cycle; the
 * remaining m = N - K cycles (each remaining epoch and the gap before it) are forecast from the cycles seen:
 * under the steady model (the same mean); without the first epoch when it lies outside the prediction
 * interval of the later ones (warm-up); or, when the per-epoch energy has a significant linear trend, by the
 * line for a rising trend and at the latest epochs' level for a falling one, the interval spanning both. The
 * intervals are prediction intervals for the sum of the m cycles (Student t, {@link Extrapolation}). The end
 * time is forecast the same way from the cycles' durations. Net energy subtracts the idle power seen in the
 * epochs over the forecast duration. What a run does after its last epoch (a final evaluation, saving) is
 * taken as between nothing and one gap.
 *
 * <p>A forecast depends only on the complete epochs it rests on, so the one published live after epoch K
 * and the one {@link #checks} recomputes from the final record for K are the same (gross energy; net energy
 * may differ by an idle baseline learned later). Stateless.
 */
public final class Forecaster {
    /** At most this many scored forecasts in a final record. */
    public static final int MAX_CHECKS = 100;

    private final ForecastSettings settings;

    public Forecaster(ForecastSettings settings) {
        this.settings = settings;
    }

    /** A forecast, or why there is none. */
    public record Result(EnergyForecast forecast, String withheld) {}

    /**
     * The latest forecast of a run from the first {@code complete} of its {@code epochs} (those whose energy
     * is complete; epochs are in order): the one after the last complete epoch before the planned last.
     */
    public Result latest(List<EpochEnergy> epochs, int complete, Integer plannedEpochs, long runStartUs, double gramsPerKwh) {
        return latest(epochs, complete, plannedEpochs, runStartUs, gramsPerKwh, null);
    }

    /**
     * As {@link #latest(List, int, Integer, long, double)}; an epoch that ends at {@code cutUs} (a failed run's
     * end, where its open epoch was cut short) is not used.
     */
    public Result latest(List<EpochEnergy> epochs, int complete, Integer plannedEpochs, long runStartUs, double gramsPerKwh,
                         Long cutUs) {
        if (plannedEpochs == null || plannedEpochs < 1) {
            return new Result(null, "the run's configuration names no planned epoch count");
        }
        int usable = 0;
        while (usable < complete && usable < epochs.size() && epochs.get(usable).getEpoch() < plannedEpochs
                && epochs.get(usable).getEndTime() != null
                && (cutUs == null || Micros.of(epochs.get(usable).getEndTime()) != cutUs)) {
            usable++;
        }
        if (usable < settings.minEpochs()) {
            return new Result(null, "needs " + settings.minEpochs() + " complete epochs before the last planned one, has " + usable);
        }
        return forecast(epochs, usable, plannedEpochs, runStartUs, gramsPerKwh);
    }

    /**
     * Every forecast made during a run (at most {@link #MAX_CHECKS}, evenly spread, the first always), each
     * scored against the run's actual gross energy and last epoch's end. Only for a COMPLETED run whose
     * planned last epoch completed (a failed or cut-short run did not cost what was forecast for the whole);
     * empty otherwise.
     */
    public List<ForecastCheck> checks(RunEnergy run, double gramsPerKwh) {
        if (run.getStatus() != RunStatus.COMPLETED || run.getConfig() == null) {
            return List.of();
        }
        int planned = run.getConfig().getEpochs();
        List<EpochEnergy> epochs = run.getEpochs();
        EpochEnergy last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        if (last == null || last.getEpoch() != planned || last.getEndTime() == null) {
            return List.of();
        }
        int usable = 0;
        while (usable < epochs.size() && epochs.get(usable).getEpoch() < planned && epochs.get(usable).getEndTime() != null) {
            usable++;
        }
        int candidates = usable - settings.minEpochs() + 1;
        if (candidates < 1) {
            return List.of();
        }
        double actual = run.getEnergyJoules();
        long actualEnd = Micros.of(last.getEndTime());
        long start = Micros.of(run.getStartTime());
        List<ForecastCheck> out = new ArrayList<>();
        int picked = Math.min(candidates, MAX_CHECKS);
        int previous = -1;
        for (int j = 0; j < picked; j++) {
            int c = settings.minEpochs() + (picked == 1 ? 0 : (int) Math.round((double) j * (candidates - 1) / (picked - 1)));
            if (c == previous) {
                continue;
            }
            previous = c;
            EnergyForecast f = forecast(epochs, c, planned, start, gramsPerKwh).forecast();
            if (f == null) {
                continue;
            }
            out.add(ForecastCheck.newBuilder().setAfterEpoch(f.getAfterEpoch()).setModel(f.getModel())
                    .setEnergyJoules(f.getEnergyJoules()).setEnergyLowJoules(f.getEnergyLowJoules())
                    .setEnergyHighJoules(f.getEnergyHighJoules())
                    .setErrorRatio(actual != 0 ? (f.getEnergyJoules() - actual) / actual : 0)
                    .setInsideInterval(f.getEnergyLowJoules() <= actual && actual <= f.getEnergyHighJoules())
                    .setEndErrorSeconds(Micros.seconds(Micros.of(f.getEndTime()) - actualEnd)).build());
        }
        return out;
    }

    /** The forecast from the first {@code c} epochs (all complete, all before the planned last). */
    private Result forecast(List<EpochEnergy> epochs, int c, int planned, long runStartUs, double gramsPerKwh) {
        double[] x = new double[c];
        double[] energy = new double[c];
        double[] seconds = new double[c];
        double spent = 0;
        double gaps = 0;
        double gapSeconds = 0;
        double idleJoules = 0;
        double epochSeconds = 0;
        for (int i = 0; i < c; i++) {
            EpochEnergy e = epochs.get(i);
            x[i] = e.getEpoch();
            spent += e.getBeforeEnergyJoules() + e.getEnergyJoules();
            idleJoules += e.getEnergyJoules() - e.getNetEnergyJoules();
            epochSeconds += Micros.seconds(Micros.of(e.getEndTime()) - Micros.of(e.getStartTime()));
            if (i > 0) {
                gaps += e.getBeforeEnergyJoules();
                gapSeconds += Micros.seconds(Micros.of(e.getStartTime()) - Micros.of(epochs.get(i - 1).getEndTime()));
            }
        }
        double meanGap = c > 1 ? gaps / (c - 1) : 0;
        double meanGapSeconds = c > 1 ? gapSeconds / (c - 1) : 0;
        for (int i = 0; i < c; i++) { // a cycle: the epoch and the gap after it (the last one's: the mean gap)
            EpochEnergy e = epochs.get(i);
            boolean hasNext = i + 1 < c;
            energy[i] = e.getEnergyJoules() + (hasNext ? epochs.get(i + 1).getBeforeEnergyJoules() : meanGap);
            long endUs = Micros.of(e.getEndTime());
            seconds[i] = Micros.seconds(endUs - Micros.of(e.getStartTime()))
                    + (hasNext ? Micros.seconds(Micros.of(epochs.get(i + 1).getStartTime()) - endUs) : meanGapSeconds);
        }
        int after = (int) x[c - 1];
        int m = planned - after;
        double[] future = new double[m];
        for (int j = 0; j < m; j++) {
            future[j] = after + 1 + j;
        }
        List<String> notes = new ArrayList<>();
        Double trendRatio = null;
        Double trendP = null;
        String model = "steady";
        int from = 0;
        Extrapolation.Line line = null;
        if (c >= 3) {
            line = Extrapolation.line(x, energy, 0);
            double warmUpConfidence = 1 - settings.trendAlpha() / 5; // strict: a steady run's first epoch is rarely left out
            // no trend over all epochs, but a first one apart from at least 3 later ones (two that happen to
            // agree would make any first epoch an outlier): a warm-up epoch
            if (line.slopeP() >= settings.trendAlpha() && c >= 4 && Extrapolation.outlier(energy[0], energy, 1, warmUpConfidence)) {
                model = "steady-after-warm-up";
                from = 1;
                notes.add(String.format(Locale.ROOT, "epoch %d left out as warm-up: its %.1f J lies outside the %.0f %% prediction "
                        + "interval of the epochs after it", (int) x[0], energy[0], 100 * warmUpConfidence));
                line = Extrapolation.line(x, energy, 1);
            }
            trendRatio = line.mean() != 0 ? line.slope() / line.mean() : null;
            trendP = line.slopeP();
            if (line.slopeP() < settings.trendAlpha()) {
                model = "trend";
                notes.add(String.format(Locale.ROOT, "per-epoch energy changes by %+.1f %% per epoch (p = %.2g)",
                        100 * (trendRatio == null ? 0 : trendRatio), trendP));
                if (line.intercept() + line.slope() * planned <= 0) {
                    return new Result(null, String.format(Locale.ROOT, "per-epoch energy falls by %.1f %% per epoch (p = %.2g): "
                            + "extrapolated, epoch %d would cost nothing; the run is not steady enough to forecast",
                            -100 * (trendRatio == null ? 0 : trendRatio), trendP, planned));
                }
            }
        } else {
            notes.add(c + " epochs: a trend cannot be tested yet (3 are needed); the interval rests on their variation alone");
        }
        Extrapolation.Sum joules;
        Extrapolation.Sum time;
        if (model.equals("trend")) {
            // the latest half of the epochs (at least 2): the level a falling trend is forecast to stay at
            int latest = c - Math.max(2, (c - from + 1) / 2);
            boolean rising = line.slope() > 0;
            joules = Extrapolation.Sum.envelope(Extrapolation.trend(x, energy, from, line, future, settings.confidence()),
                    Extrapolation.steady(energy, latest, m, settings.confidence()), rising);
            notes.add(rising ? "extrapolated linearly; the interval reaches down to the latest epochs' level, in case the rise stops"
                    : String.format(Locale.ROOT, "forecast at the level of the latest %d epochs (a falling trend levels off); the "
                    + "interval reaches down to the line's extrapolation", c - latest));
            Extrapolation.Line durations = Extrapolation.line(x, seconds, from);
            Extrapolation.Sum recentTime = Extrapolation.steady(seconds, latest, m, settings.confidence());
            time = durations.intercept() + durations.slope() * planned > 0
                    ? Extrapolation.Sum.envelope(Extrapolation.trend(x, seconds, from, durations, future, settings.confidence()),
                            recentTime, durations.slope() > 0)
                    : recentTime;
        } else {
            joules = Extrapolation.steady(energy, from, m, settings.confidence());
            time = Extrapolation.steady(seconds, from, m, settings.confidence());
        }
        if (joules.high() - joules.low() <= 1e-9 * Math.abs(joules.point())) {
            // a review read such a forecast's "95 %" interval of no width as a confident one; it held 71 % of the time
            notes.add(String.format(Locale.ROOT, "the %d epochs used cost the same to the joule: there is no variation to build the "
                    + "prediction interval from, so it has no width and is no %.0f %% interval (a real power trace never repeats "
                    + "exactly: a replayed or modelled one does)", c - from, 100 * settings.confidence()));
        }
        if (meanGap > 0) {
            notes.add(String.format(Locale.ROOT, "includes %.1f J per gap between epochs (evaluation, checkpoints), and between "
                    + "none and one such gap after the last epoch", meanGap));
        } else if (c > 1) {
            // a review: back-to-back epochs, a run ending 0.25 s after its last one, every first forecast 2.3 % low and
            // outside its interval, with no word of why
            notes.add("the epochs ran back to back: what the run does after its last epoch (a final evaluation, saving) "
                    + "has nothing to be forecast from and is not in the forecast nor its interval");
        }
        long afterEndUs = Micros.of(epochs.get(c - 1).getEndTime());
        long endUs = afterEndUs + Math.round(time.point() * 1e6);
        long endLowUs = afterEndUs + Math.round(Math.max(0, time.low()) * 1e6);
        long endHighUs = afterEndUs + Math.round(time.high() * 1e6);
        // the m cycles are the remaining epochs and the gaps before each (the first: the one after epoch K);
        // what the run does after its last epoch (a final evaluation, saving) is unknown: between nothing and
        // one gap, so the point takes half a gap and the interval spans both
        double tail = meanGap / 2;
        double gross = spent + joules.point() + tail;
        double low = spent + Math.max(0, joules.low()); // what is spent is spent
        double high = spent + joules.high() + 2 * tail;
        double idleWatts = epochSeconds > 0 ? idleJoules / epochSeconds : 0;
        double idleForecast = idleWatts * Micros.seconds(endUs - runStartUs);
        // as for gross, what is spent is spent: net does not fall below the net of the epochs so far (a review saw
        // "-7590.9 to 28829.9 J" where gross' low was what was spent and the whole run's idle was taken off it)
        double netPoint = gross - idleForecast;
        double netSpent = spent - idleWatts * Micros.seconds(afterEndUs - runStartUs);
        double netLow = Math.min(netPoint, Math.max(low - idleForecast, netSpent));
        double toGrams = gramsPerKwh / 3.6e6;
        EnergyForecast f = EnergyForecast.newBuilder().setAfterEpoch(after).setEpochsUsed(c - from).setPlannedEpochs(planned)
                .setModel(model).setConfidence(settings.confidence())
                .setEnergyJoules(gross).setEnergyLowJoules(low).setEnergyHighJoules(high)
                .setNetEnergyJoules(netPoint).setNetEnergyLowJoules(netLow)
                .setNetEnergyHighJoules(high - idleForecast)
                .setEndTime(Micros.instant(endUs)).setEndLowTime(Micros.instant(endLowUs)).setEndHighTime(Micros.instant(endHighUs))
                .setCo2eGrams(gross * toGrams).setCo2eLowGrams(low * toGrams).setCo2eHighGrams(high * toGrams)
                .setTrendPerEpochRatio(trendRatio).setTrendP(trendP).setNotes(notes).build();
        return new Result(f, null);
    }
}
