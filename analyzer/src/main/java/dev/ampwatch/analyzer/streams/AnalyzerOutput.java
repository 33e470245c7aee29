package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.RunEnergy;

/** What the attribution step emits: run energy, or a record it had to set aside with the reason. */
public sealed interface AnalyzerOutput permits AnalyzerOutput.Energy, AnalyzerOutput.DeadLetter {

    record Energy(RunEnergy runEnergy) implements AnalyzerOutput {}

    /**
     * @param sourceTopic where the record came from
     * @param value the record, single-object encoded as it was published
     * @param reason why it was set aside, naming the field and value
     */
    record DeadLetter(String sourceTopic, byte[] value, String reason) implements AnalyzerOutput {}
}
