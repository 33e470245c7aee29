package dev.ampwatch.power;

import dev.ampwatch.power.SourceStatus.State;
import dev.ampwatch.schema.Component;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions {@link PowerSourceRegistry#open} opened, in preference order, and the status of
 * every source it considered. Closing closes the sessions in reverse order; a failing close is
 * logged and does not stop the others. Not thread-safe: one owner opens and closes it.
 */
public final class OpenedSources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenedSources.class);

    /** One opened source and its session. */
    public record Opened(PowerSource source, PowerSession session) {}

    private final List<Opened> opened;
    private final List<SourceStatus> statuses;
    private boolean closed;

    private OpenedSources(List<Opened> opened, List<SourceStatus> statuses) {
        this.opened = List.copyOf(opened);
        this.statuses = List.copyOf(statuses);
    }

    static OpenedSources open(List<PowerSource> candidates, List<SourceStatus> provisional,
            SourceContext context) {
        List<Opened> opened = new ArrayList<>();
        List<SourceStatus> statuses = new ArrayList<>(provisional);
        Set<Component> covered = EnumSet.noneOf(Component.class);
        for (int i = 0; i < candidates.size(); i++) {
            PowerSource source = candidates.get(i);
            if (source == null) {
                continue;
            }
            if (covered.containsAll(source.components())) {
                statuses.set(i, PowerSourceRegistry.superseded(source));
                continue;
            }
            try {
                PowerSession session = source.open(context);
                opened.add(new Opened(source, session));
                covered.addAll(source.components());
                statuses.set(i, new SourceStatus(source.name(), State.OPENED, ""));
            } catch (PowerSourceException | RuntimeException | LinkageError e) {
                String reason = e instanceof PowerSourceException ? e.getMessage()
                        : Availability.describe(e);
                statuses.set(i, new SourceStatus(source.name(), State.OPEN_FAILED, reason));
                log.warn("power source {} failed to open: {}", source.name(), reason, e);
            }
        }
        return new OpenedSources(opened, statuses);
    }

    /** The opened sources, in preference order. */
    public List<Opened> opened() {
        return opened;
    }

    /** Every considered source, opened or not, with the reason it is not used. */
    public List<SourceStatus> statuses() {
        return statuses;
    }

    /** Closes the sessions in reverse order; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = opened.size() - 1; i >= 0; i--) {
            Opened o = opened.get(i);
            try {
                o.session().close();
            } catch (Exception | LinkageError e) {
                log.warn("power source {} failed to close", o.source().name(), e);
            }
        }
    }
}
