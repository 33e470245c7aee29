package dev.ampwatch.power;

import java.util.List;

/** No configured power source could be opened; the message lists every source and why. */
public class NoPowerSourceException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient List<SourceStatus> statuses;

    public NoPowerSourceException(List<SourceStatus> statuses) {
        super("no power source could be opened:" + System.lineSeparator()
                + SourceStatus.formatAll(statuses));
        this.statuses = List.copyOf(statuses);
    }

    public List<SourceStatus> statuses() {
        return statuses;
    }
}
