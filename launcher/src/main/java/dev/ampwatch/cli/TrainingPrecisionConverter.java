package dev.ampwatch.cli;

import dev.ampwatch.trainer.precision.Precision;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A training {@code --precision}: fp32, tf32, amp-fp16 or amp-bf16, checked when the command line is read (exit 2). */
public final class TrainingPrecisionConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        try {
            Precision.fromCliName(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not a training precision; use fp32, tf32, amp-fp16 or amp-bf16");
        }
        return value;
    }
}
