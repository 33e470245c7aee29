package dev.ampwatch.trainer.sweep;

/**
 * One run of a sweep plan, in execution order. Immutable and thread-safe.
 *
 * @param index position in the execution order, 1-based
 * @param setting the factors' values
 * @param repeat which repetition of this setting, 1-based
 * @param benchmark whether the setting is the benchmark configuration
 * @param varies what the run varies against the benchmark: {@code benchmark}, a factor's grid-file
 *     key ({@code precisions}, {@code batch_sizes}, {@code hidden}, {@code epochs}) in
 *     one-at-a-time mode, or {@code grid} for a non-benchmark point of a full grid
 */
public record PlannedRun(int index, RunSetting setting, int repeat, boolean benchmark, String varies) {}
