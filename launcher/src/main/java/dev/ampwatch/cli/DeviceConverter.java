package dev.ampwatch.cli;

import dev.ampwatch.trainer.DeviceChoice;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --device}: auto, cpu, gpu or gpuN, checked when the command line is read (a usage error, exit 2). */
public final class DeviceConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        if (!DeviceChoice.valid(value)) {
            throw new TypeConversionException("'" + value + "' is not a device; use auto, cpu, gpu or gpuN (e.g. gpu1)");
        }
        return value;
    }
}
