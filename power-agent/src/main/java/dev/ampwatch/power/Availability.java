package dev.ampwatch.power;

import java.util.Objects;

/**
 * Whether a {@link PowerSource} can work on this host, and why not when it cannot. Immutable.
 *
 * @param available true when the source can be opened
 * @param reason why the source is unavailable, e.g. {@code "/sys/class/powercap not found"}; for an available
 *     source, what it will leave out (a RAPL zone it cannot read), or empty when nothing
 */
public record Availability(boolean available, String reason) {

    private static final Availability AVAILABLE = new Availability(true, "");

    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable source must give a reason");
        }
    }

    public static Availability ok() {
        return AVAILABLE;
    }

    /** Available, but leaving something out: {@code note} says what and why (shown by {@code --list-sources}). */
    public static Availability partly(String note) {
        return note == null || note.isBlank() ? AVAILABLE : new Availability(true, note);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }

    /** Unavailable because probing threw; the reason names the exception and its message. */
    public static Availability unavailable(String what, Throwable cause) {
        return new Availability(false, what + ": " + describe(cause));
    }

    static String describe(Throwable t) {
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : " (" + msg + ")");
    }
}
