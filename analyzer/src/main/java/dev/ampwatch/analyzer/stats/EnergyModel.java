package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import dev.ampwatch.schema.ModelTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.SingularMatrixException;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;

/**
 * A run's energy from the size of its work, before it starts (the second seed paper's model-size estimate):
 * ordinary least squares of ln(gross joules) on ln(work), with precision, batch size, device and architecture (an MLP
 * or a CNN: a convolution's FLOPs cost differently from a dense layer's) as factors (treatment coding; a factor enters
 * only when the runs have more than one level of it). Work is
 * FLOPs per sample × training samples × epochs when every run reports FLOPs, else parameters × training
 * samples × epochs. In logs, a factor is a multiplier on energy and the work's coefficient its elasticity
 * (1: energy proportional to work). Fitted with commons-math3; checked against numpy
 * ({@code EnergyModelReferenceTest}). An estimate is refused outside the range of work the fit has seen,
 * for a factor level it has not seen (also of a factor that did not vary: a fit of CPU runs says nothing about a GPU
 * run, nor one of MLPs about a CNN), or when the fit has fewer than 2 residual degrees of freedom.
 * Immutable.
 */
public final class EnergyModel {
    static final String PRECISION = "precision";
    static final String BATCH_SIZE = "batch_size";
    static final String DEVICE = "device";
    static final String ARCHITECTURE = "architecture";
    private static final List<String> FACTORS = List.of(PRECISION, BATCH_SIZE, DEVICE, ARCHITECTURE);

    /** A fitted model, or why there is none. */
    record Outcome(EnergyModel model, String reason) {}

    /** An estimate of one run's gross energy with its prediction interval, or why there is none. */
    public record Estimate(double joules, double lowJoules, double highJoules, int runs, String refused) {}

    private final boolean flops;
    private final Map<String, List<String>> levels; // factor -> levels seen, the reference first; one: constant in the fit
    private final double[] beta;
    private final double[][] unscaledCovariance; // (XᵀX)⁻¹
    private final double residualSd;
    private final int residualDf;
    private final int runs;
    private final double workMin;
    private final double workMax;
    private final double rSquared;
    private final double adjustedRSquared;
    private final double[] standardErrors;
    private final double medianAbsErrorRatio;

    private EnergyModel(boolean flops, Map<String, List<String>> levels, double[] beta, double[][] unscaledCovariance,
                        double residualSd, int residualDf, int runs, double workMin, double workMax, double rSquared,
                        double adjustedRSquared, double[] standardErrors, double medianAbsErrorRatio) {
        this.flops = flops;
        this.levels = levels;
        this.beta = beta;
        this.unscaledCovariance = unscaledCovariance;
        this.residualSd = residualSd;
        this.residualDf = residualDf;
        this.runs = runs;
        this.workMin = workMin;
        this.workMax = workMax;
        this.rSquared = rSquared;
        this.adjustedRSquared = adjustedRSquared;
        this.standardErrors = standardErrors;
        this.medianAbsErrorRatio = medianAbsErrorRatio;
    }

    /** The model a statistics record holds (as {@link #record} wrote it), to estimate runs with. */
    public static EnergyModel from(dev.ampwatch.schema.EnergyModel m) {
        int k = m.getTerms().size();
        double[] beta = new double[k];
        double[] se = new double[k];
        for (int i = 0; i < k; i++) {
            beta[i] = m.getTerms().get(i).getEstimate();
            se[i] = m.getTerms().get(i).getStdError();
        }
        double[][] cov = new double[k][k];
        for (int i = 0; i < k * k; i++) {
            cov[i / k][i % k] = m.getUnscaledCovariance().get(i);
        }
        Map<String, List<String>> levels = new LinkedHashMap<>();
        m.getFactorLevels().forEach((f, l) -> levels.put(f.toString(), l.stream().map(Object::toString).toList()));
        return new EnergyModel(m.getWork().startsWith("flops"), levels, beta, cov, m.getResidualSd(), m.getResidualDf(),
                m.getRuns(), m.getWorkMin(), m.getWorkMax(), m.getRSquared(), m.getAdjustedRSquared(), se,
                m.getMedianAbsErrorRatio());
    }

    /** Fits the completed runs that know their configuration and size. */
    static Outcome fit(List<FinishedRun> all) {
        List<FinishedRun> runs = new ArrayList<>();
        for (FinishedRun r : all) {
            if ("COMPLETED".equals(r.getStatus()) && r.getSettings() != null && r.getParameterCount() != null
                    && r.getParameterCount() > 0 && r.getEnergyJoules() > 0 && r.getSettings().getTrainSamples() > 0
                    && r.getSettings().getEpochs() > 0) {
                runs.add(r);
            }
        }
        if (runs.size() < 3) {
            return new Outcome(null, "needs 3 completed runs that report their model size, has " + runs.size());
        }
        boolean flops = runs.stream().allMatch(r -> r.getFlopsPerSample() != null && r.getFlopsPerSample() > 0);
        double workMin = Double.POSITIVE_INFINITY;
        double workMax = Double.NEGATIVE_INFINITY;
        for (FinishedRun r : runs) {
            double w = work(r.getSettings(), r.getParameterCount(), r.getFlopsPerSample(), flops);
            workMin = Math.min(workMin, w);
            workMax = Math.max(workMax, w);
        }
        if (!(workMax > workMin * (1 + 1e-9))) {
            return new Outcome(null, "the runs' work (" + workName(flops) + ") does not vary: nothing to fit energy against");
        }
        Map<String, List<String>> levels = new LinkedHashMap<>();
        for (String f : FACTORS) {
            Map<String, Integer> counts = new TreeMap<>();
            runs.forEach(r -> counts.merge(level(f, r.getSettings()), 1, Integer::sum));
            // every factor is kept: one of a single level has no coefficient, but an estimate for another level is refused
            List<String> ordered = new ArrayList<>(counts.keySet()); // reference: the most common, then by name
            ordered.sort((a, b) -> counts.get(b) - counts.get(a) != 0 ? counts.get(b) - counts.get(a) : a.compareTo(b));
            levels.put(f, List.copyOf(ordered));
        }
        int p = 1 + levels.values().stream().mapToInt(l -> l.size() - 1).sum(); // without the intercept
        int n = runs.size();
        if (n - p - 1 < 2) {
            return new Outcome(null, "needs 2 residual degrees of freedom: " + n + " runs for " + (p + 1) + " coefficients ("
                    + String.join(", ", terms(levels)) + ")");
        }
        double[] y = new double[n];
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            FinishedRun r = runs.get(i);
            y[i] = Math.log(r.getEnergyJoules());
            x[i] = row(levels, r.getSettings(), work(r.getSettings(), r.getParameterCount(), r.getFlopsPerSample(), flops));
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.newSampleData(y, x);
        try {
            double[] beta = ols.estimateRegressionParameters();
            double[][] cov = ols.estimateRegressionParametersVariance(); // (XᵀX)⁻¹ (not times the error variance), intercept first
            double[] errors = new double[n];
            double[] residuals = ols.estimateResiduals();
            for (int i = 0; i < n; i++) {
                errors[i] = Math.abs(Math.exp(y[i] - residuals[i]) - runs.get(i).getEnergyJoules()) / runs.get(i).getEnergyJoules();
            }
            return new Outcome(new EnergyModel(flops, levels, beta, cov, Math.sqrt(ols.estimateErrorVariance()), n - p - 1, n,
                    workMin, workMax, ols.calculateRSquared(), ols.calculateAdjustedRSquared(),
                    ols.estimateRegressionParametersStandardErrors(), ForecastAccuracies.percentile(errors, 50)), null);
        } catch (SingularMatrixException e) {
            return new Outcome(null, "the factors are aliased (" + String.join(", ", terms(levels))
                    + "): some level combinations never ran; vary them independently");
        }
    }

    /** The estimate for a run of {@code settings} with that model size, or why there is none. */
    public Estimate estimate(RunSettings settings, Long parameterCount, Double flopsPerSample, double confidence) {
        if (parameterCount == null || parameterCount <= 0 || flops && (flopsPerSample == null || flopsPerSample <= 0)) {
            return refused("the run does not report its " + (flops ? "FLOPs per sample" : "parameter count"));
        }
        double w = work(settings, parameterCount, flopsPerSample, flops);
        if (w < workMin * (1 - 1e-9) || w > workMax * (1 + 1e-9)) {
            return refused(String.format(Locale.ROOT, "its work (%s = %.4g) is outside the range the fit has seen (%.4g to %.4g)",
                    workName(flops), w, workMin, workMax));
        }
        for (Map.Entry<String, List<String>> f : levels.entrySet()) {
            String level = level(f.getKey(), settings);
            if (!f.getValue().contains(level)) {
                return refused(f.getKey() + " " + level + " is not among the levels the fit has seen " + f.getValue());
            }
        }
        double[] row = row(levels, settings, w);
        double[] x0 = new double[row.length + 1];
        x0[0] = 1;
        System.arraycopy(row, 0, x0, 1, row.length);
        double mean = 0;
        for (int i = 0; i < x0.length; i++) {
            mean += beta[i] * x0[i];
        }
        double quad = 0;
        for (int i = 0; i < x0.length; i++) {
            for (int j = 0; j < x0.length; j++) {
                quad += x0[i] * unscaledCovariance[i][j] * x0[j];
            }
        }
        double half = new TDistribution(null, residualDf).inverseCumulativeProbability((1 + confidence) / 2)
                * residualSd * Math.sqrt(1 + quad);
        return new Estimate(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), runs, null);
    }

    /** The estimate for a run of that configuration. */
    public Estimate estimate(dev.ampwatch.schema.RunConfig config, double confidence) {
        return estimate(ExperimentRunsAggregator.settings(config), config.getParameterCount(), config.getFlopsPerSample(), confidence);
    }

    private Estimate refused(String why) {
        return new Estimate(Double.NaN, Double.NaN, Double.NaN, runs, why);
    }

    /** The fit as the statistics record it. */
    dev.ampwatch.schema.EnergyModel record() {
        List<String> names = new ArrayList<>();
        names.add("(intercept)");
        names.addAll(terms(levels));
        List<ModelTerm> terms = new ArrayList<>();
        TDistribution t = new TDistribution(null, residualDf);
        for (int i = 0; i < beta.length; i++) {
            double p = standardErrors[i] > 0 ? 2 * t.cumulativeProbability(-Math.abs(beta[i] / standardErrors[i])) : 0;
            terms.add(ModelTerm.newBuilder().setTerm(names.get(i)).setEstimate(beta[i]).setStdError(standardErrors[i])
                    .setPValue(p).build());
        }
        List<Double> covariance = new ArrayList<>();
        for (double[] r : unscaledCovariance) {
            for (double v : r) {
                covariance.add(v);
            }
        }
        Map<String, List<String>> levelsOut = new LinkedHashMap<>(levels);
        return dev.ampwatch.schema.EnergyModel.newBuilder()
                .setFormula("ln(energy_joules) ~ " + String.join(" + ", formulaTerms()))
                .setWork(workName(flops)).setRuns(runs).setTerms(terms).setUnscaledCovariance(covariance)
                .setRSquared(rSquared).setAdjustedRSquared(adjustedRSquared).setResidualSd(residualSd).setResidualDf(residualDf)
                .setMedianAbsErrorRatio(medianAbsErrorRatio).setWorkMin(workMin).setWorkMax(workMax)
                .setFactorLevels(levelsOut).build();
    }

    private List<String> formulaTerms() {
        List<String> out = new ArrayList<>();
        out.add("ln(" + workName(flops) + ")");
        levels.forEach((f, l) -> {
            if (l.size() > 1) {
                out.add(f);
            }
        });
        return out;
    }

    private static List<String> terms(Map<String, List<String>> levels) {
        List<String> out = new ArrayList<>();
        out.add("ln(work)");
        levels.forEach((f, l) -> l.subList(1, l.size()).forEach(level -> out.add(f + "=" + level)));
        return out;
    }

    private static double[] row(Map<String, List<String>> levels, RunSettings s, double work) {
        List<Double> row = new ArrayList<>();
        row.add(Math.log(work));
        levels.forEach((f, l) -> {
            String level = level(f, s);
            for (String other : l.subList(1, l.size())) {
                row.add(other.equals(level) ? 1.0 : 0.0);
            }
        });
        return row.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double work(RunSettings s, long parameterCount, Double flopsPerSample, boolean flops) {
        double perSample = flops ? flopsPerSample : parameterCount;
        return perSample * s.getTrainSamples() * s.getEpochs();
    }

    private static String workName(boolean flops) {
        return flops ? "flops_per_sample x train_samples x epochs" : "parameters x train_samples x epochs";
    }

    private static String level(String factor, RunSettings s) {
        return switch (factor) {
            case PRECISION -> s.getPrecision();
            case BATCH_SIZE -> Integer.toString(s.getBatchSize());
            case DEVICE -> s.getDeviceName();
            default -> s.getConvLayers() == null || s.getConvLayers().isEmpty() ? "mlp" : "cnn";
        };
    }

    int runs() {
        return runs;
    }
}
