package dev.ampwatch.power;

import java.util.Objects;

/**
 * What happened to one configured or discovered source: opened, or not and why. Immutable.
 *
 * @param name the source name ({@link PowerSource#name()} or the configured name)
 * @param state the outcome
 * @param reason why the source is not used; for one AVAILABLE, what it will leave out (empty when nothing); empty
 *     when OPENED
 */
public record SourceStatus(String name, State state, String reason) {

    /** The outcome for one source. */
    public enum State {
        /** Available (listing only: nothing was opened). */
        AVAILABLE,
        /** Opened and sampled. */
        OPENED,
        /** Reports it cannot work on this host. */
        UNAVAILABLE,
        /** Available, but earlier sources already cover all its components. */
        SUPERSEDED,
        /** Available, but {@link PowerSource#open} failed. */
        OPEN_FAILED,
        /** Configured, but no installed source has that name (or it could not be loaded). */
        NOT_INSTALLED,
        /** Installed, but not in the configured preference list. */
        NOT_CONFIGURED
    }

    public SourceStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
    }

    public boolean used() {
        return state == State.OPENED || state == State.AVAILABLE;
    }

    /** Every status, one {@link #format()} line each, for {@code --list-sources} and errors. */
    public static String formatAll(java.util.List<SourceStatus> statuses) {
        StringBuilder out = new StringBuilder();
        statuses.forEach(s -> out.append(s.format()).append(System.lineSeparator()));
        return out.toString();
    }

    /** One line for {@code --list-sources}, e.g. {@code "rapl       UNAVAILABLE  no powercap"}. */
    public String format() {
        String line = String.format("%-12s %-14s", name, state);
        return (reason.isEmpty() ? line : line + " " + reason).stripTrailing();
    }
}
