package dev.ampwatch.power;

import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link PowerSource} gets when opened: the host id, the agent's clock and the settings
 * meant for sources. Setting keys are prefixed with the source name, e.g. {@code
 * "estimate.cpu-tdp-watts"}, {@code "wattmeter.device"}. Immutable and thread-safe.
 */
public record SourceContext(String host, InstantSource clock, Map<String, String> settings) {

    public SourceContext {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clock, "clock");
        settings = Map.copyOf(settings);
    }

    public Optional<String> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    /** A numeric setting, or {@code fallback} when absent. */
    public double doubleSetting(String key, double fallback) throws PowerSourceException {
        Optional<String> value = setting(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.get().trim());
        } catch (NumberFormatException e) {
            throw new PowerSourceException("setting " + key + " is not a number: " + value.get(), e);
        }
    }

    /** The settings with secrets (keys naming a password or token) shown as {@code ***}: for messages and logs. */
    public static Map<String, String> redacted(Map<String, String> settings) {
        Map<String, String> out = new java.util.TreeMap<>();
        settings.forEach((k, v) -> out.put(k, k.contains("password") || k.contains("token") ? "***" : v));
        return out;
    }

    @Override
    public String toString() {
        return "SourceContext[host=" + host + ", settings=" + redacted(settings) + "]";
    }
}
