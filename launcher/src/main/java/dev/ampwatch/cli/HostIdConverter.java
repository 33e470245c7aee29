package dev.ampwatch.cli;

import dev.ampwatch.schema.host.HostId;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a {@code --host}: an id {@link HostId#validate} accepts, used as given. picocli turns a
 * refusal into a usage error naming the option ({@code Invalid value for option '--host': host id is
 * blank}), before anything starts. Unset, a command takes {@link HostId#orLocal} of null: this machine's id,
 * the same in every agent.
 */
final class HostIdConverter implements ITypeConverter<String> {
    /** For the options' descriptions. */
    static final String DEFAULT = "this machine's host id: $" + HostId.ENVIRONMENT_VARIABLE + ", else its hostname in lower case";

    @Override
    public String convert(String value) {
        try {
            return HostId.validate(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
