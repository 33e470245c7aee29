package dev.ampwatch.trainer.follow;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code ampwatch follow} fills in when a trainer's line leaves a field out. Immutable and
 * thread-safe.
 *
 * @param experimentId experiment id of events without {@code experiment_id}
 * @param runId run id of events without {@code run_id}; empty: a random UUID per run
 * @param host host of events without {@code host} (normally this machine, as the power-agent names it)
 * @param devices devices of events without {@code devices}, e.g. {@code [gpu0]}
 * @param backend {@code config.backend} when the trainer gives none, e.g. {@code pytorch}
 * @param deviceName {@code config.device_name} when the trainer gives none
 */
public record FollowDefaults(String experimentId, Optional<String> runId, String host, List<String> devices,
        String backend, String deviceName) {
    public FollowDefaults {
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(deviceName, "deviceName");
        devices = List.copyOf(devices);
        if (experimentId.isBlank() || host.isBlank() || runId.map(String::isBlank).orElse(false)) {
            throw new IllegalArgumentException("experiment id, run id and host must not be blank");
        }
    }
}
