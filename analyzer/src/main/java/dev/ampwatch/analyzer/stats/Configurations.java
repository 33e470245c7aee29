package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An experiment's finished runs grouped by configuration: every factor of the run config that can change
 * what a run costs (not the seed, which differs between repeats). Grouping by precision alone would
 * pool runs at different batch sizes, layer widths or epochs, and a precision effect that changes sign
 * between them would average away. Immutable.
 *
 * @param all configurations in key order
 * @param varying the factors with more than one level among them, in {@link #FACTORS} order
 * @param withoutSettings runs left out because their start event (and so their configuration) was not seen
 * @param varyingByPhase per phase (training, inference), the factors with more than one level among its configurations
 */
record Configurations(List<Configuration> all, List<String> varying, int withoutSettings, Map<String, List<String>> varyingByPhase) {
    static final String PRECISION = "precision";
    static final String FP32 = "fp32";
    /** Factor names, key order, and their short forms in labels. */
    static final Map<String, String> FACTORS = factors();
    /** Training and inference runs are never one configuration (RunConfig.phase). */
    static final String PHASE = "phase";
    static final String TRAINING = "training";
    /**
     * A CNN and an MLP with the same hidden layers are never one configuration (RunConfig.conv_layers, as
     * {@code c32k3s1,c64k3s2}); empty for an MLP.
     */
    static final String CONV_LAYERS = "conv_layers";
    /** Runs on one GPU and on two are never one configuration (the GPUs with energy in the run; 1 for fewer). */
    static final String GPUS = "gpus";
    /** Samples held out for validation (RunConfig.validation_samples; 0 for none): evaluating them costs energy. */
    static final String VALIDATION_SAMPLES = "validation_samples";
    /**
     * What a run's span covers: {@code trainer} (from run_started to its end, as the trainer reported them) or
     * {@code whole-command} (follow --whole-run: the command from its start to its exit, start-up included). A review found
     * the two pooled into one configuration (203 J and 43 J runs, sd 117 J).
     */
    static final String SPAN = "span";

    Configurations {
        all = List.copyOf(all);
        varying = List.copyOf(varying);
        varyingByPhase = Map.copyOf(varyingByPhase);
    }

    /** The factors that vary among the configurations of {@code phase} (none for a phase without configurations). */
    List<String> varyingIn(String phase) {
        return varyingByPhase.getOrDefault(phase, List.of());
    }

    /** Whether the experiment has configurations of more than one phase. */
    boolean mixed() {
        return varyingByPhase.size() > 1;
    }

    static Configurations of(List<FinishedRun> runs) {
        Map<String, Map<String, String>> levelsByKey = new TreeMap<>();
        Map<String, List<FinishedRun>> completed = new TreeMap<>();
        Map<String, Integer> failed = new TreeMap<>();
        Map<String, Integer> unmeasured = new TreeMap<>();
        Set<String> benchmark = new HashSet<>();
        int withoutSettings = 0;
        for (FinishedRun r : runs) {
            if (r.getSettings() == null) {
                withoutSettings++;
                continue;
            }
            if (ExperimentRunsAggregator.PROFILED.equals(r.getStatus())) {
                continue; // a short run stopped on purpose to be forecast: not one of the study's runs, nor a failure
            }
            Map<String, String> levels = levels(r.getSettings());
            String key = key(levels);
            levelsByKey.put(key, levels);
            completed.computeIfAbsent(key, k -> new ArrayList<>());
            if ("COMPLETED".equals(r.getStatus())) {
                completed.get(key).add(r);
            } else if (ExperimentRunsAggregator.UNMEASURED.equals(r.getStatus())) {
                unmeasured.merge(key, 1, Integer::sum);
            } else {
                failed.merge(key, 1, Integer::sum);
            }
            if (r.getSettings().getBenchmark()) {
                benchmark.add(key);
            }
        }
        List<String> varying = new ArrayList<>();
        for (String factor : FACTORS.keySet()) {
            if (levelsByKey.values().stream().map(l -> l.get(factor)).distinct().count() > 1) {
                varying.add(factor);
            }
        }
        // labels name the factors that vary within the configuration's phase (and phase=inference, when both are there):
        // a training run's label does not grow inference's batch size, passes and learning rate 0
        Map<String, List<String>> varyingByPhase = new TreeMap<>();
        for (Map<String, String> levels : levelsByKey.values()) {
            varyingByPhase.computeIfAbsent(levels.get(PHASE), phase -> FACTORS.keySet().stream()
                    .filter(f -> !f.equals(PHASE) && levelsByKey.values().stream().filter(l -> l.get(PHASE).equals(phase))
                            .map(l -> l.get(f)).distinct().count() > 1).toList());
        }
        boolean mixed = varyingByPhase.size() > 1;
        List<Configuration> all = new ArrayList<>();
        levelsByKey.forEach((key, levels) -> {
            List<String> labelled = new ArrayList<>(varyingByPhase.get(levels.get(PHASE)));
            if (mixed && !TRAINING.equals(levels.get(PHASE))) {
                labelled.add(PHASE); // training labels read as in a training-only experiment
            }
            all.add(new Configuration(key, label(levels, labelled), levels, benchmark.contains(key), completed.get(key),
                    failed.getOrDefault(key, 0), unmeasured.getOrDefault(key, 0)));
        });
        return new Configurations(all, varying, withoutSettings, varyingByPhase);
    }

    /** The configuration flagged as benchmark, if exactly one is. */
    List<Configuration> benchmarks() {
        return all.stream().filter(Configuration::benchmark).toList();
    }

    /** fp32 at the same other settings as {@code c}, if the experiment has it. */
    Configuration fp32Twin(Configuration c) {
        Map<String, String> levels = new LinkedHashMap<>(c.levels());
        levels.put(PRECISION, FP32);
        String key = key(levels);
        return all.stream().filter(o -> o.key().equals(key)).findFirst().orElse(null);
    }

    static Map<String, String> levels(RunSettings s) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put(PRECISION, s.getPrecision());
        l.put("batch_size", Integer.toString(s.getBatchSize()));
        l.put(CONV_LAYERS, s.getConvLayers());
        l.put("hidden_units", s.getHiddenUnits().stream().map(String::valueOf).collect(Collectors.joining(",")));
        l.put("epochs", Integer.toString(s.getEpochs()));
        l.put("learning_rate", BigDecimal.valueOf(s.getLearningRate()).stripTrailingZeros().toPlainString());
        l.put("optimizer", s.getOptimizer());
        l.put("dataset", s.getDataset() + (s.getDatasetSynthetic() ? " (synthetic)" : ""));
        l.put("train_samples", Long.toString(s.getTrainSamples()));
        l.put(VALIDATION_SAMPLES, Long.toString(s.getValidationSamples()));
        l.put("device", s.getDeviceName());
        l.put(GPUS, Integer.toString(Math.max(1, s.getGpus()))); // a CPU run's device name sets it apart already
        l.put("backend", s.getBackend());
        l.put(PHASE, s.getPhase());
        l.put(SPAN, s.getWholeCommand() ? "whole-command" : "trainer");
        return l;
    }

    /**
     * Every factor's level; the phase only when it is not training and the convolution layers only when there
     * are some, so keys of training runs and of MLPs read as before those factors.
     */
    static String key(Map<String, String> levels) {
        return FACTORS.keySet().stream().filter(f -> !omitted(f, levels.get(f)))
                .map(f -> f + "=" + levels.get(f)).collect(Collectors.joining("|"));
    }

    /**
     * The level a key leaves out: the phase's training, an MLP's (empty) convolution layers, one GPU, no validation
     * split and a trainer-reported span, so the keys of runs before those factors read as before.
     */
    private static boolean omitted(String factor, String level) {
        return factor.equals(PHASE) && TRAINING.equals(level) || factor.equals(CONV_LAYERS) && level.isEmpty()
                || factor.equals(GPUS) && level.equals("1") || factor.equals(VALIDATION_SAMPLES) && level.equals("0")
                || factor.equals(SPAN) && level.equals("trainer");
    }

    /** The precision and each factor of {@code varying} as short=level; an MLP's label has no conv= (as its key), an empty level reads none. */
    private static String label(Map<String, String> levels, List<String> varying) {
        StringBuilder b = new StringBuilder(levels.get(PRECISION));
        for (String factor : varying) {
            if (!factor.equals(PRECISION) && !(factor.equals(CONV_LAYERS) && levels.get(factor).isEmpty())) {
                // an empty level (a model without hidden layers) reads "none", not "h=" (a review)
                String level = levels.get(factor);
                b.append(' ').append(FACTORS.get(factor)).append('=').append(level.isEmpty() ? "none" : level);
            }
        }
        return b.toString();
    }

    private static Map<String, String> factors() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(PRECISION, "");
        f.put("batch_size", "bs");
        f.put(CONV_LAYERS, "conv");
        f.put("hidden_units", "h");
        f.put("epochs", "ep");
        f.put("learning_rate", "lr");
        f.put("optimizer", "opt");
        f.put("dataset", "data");
        f.put("train_samples", "n");
        f.put(VALIDATION_SAMPLES, "val");
        f.put("device", "dev");
        f.put(GPUS, "gpus");
        f.put("backend", "backend");
        f.put(PHASE, "phase");
        f.put(SPAN, "span");
        return java.util.Collections.unmodifiableMap(f);
    }
}
