package dev.ampwatch.analyzer.timeline;

import java.util.HashMap;
import java.util.Map;

/**
 * When a run's running total goes out. Live, once per emit interval of event time (the caller releases time in such
 * steps). A host that is catching up (a backlog: attributed time more than {@link HostTimeline#CATCHING_UP_US} behind
 * the analyzer's clock) would send one per interval of the backlog's event time, thousands a second that nobody
 * watches; then it is once per emit interval of the analyzer's clock. Only intermediate records are thinned: final
 * records do not depend on it. The analyzer clock of each run's last running total is a hint, not state.
 */
final class RunningTotalPacer {
    private final long emitIntervalMs;
    private final Map<String, Long> lastRunningMs = new HashMap<>();

    RunningTotalPacer(long emitIntervalMs) {
        this.emitIntervalMs = emitIntervalMs;
    }

    /** Whether run {@code runId}'s running total goes out now, its host attributed until {@code attributedUntilUs}. */
    boolean due(String runId, long attributedUntilUs, long nowMs) {
        if (nowMs * 1000 - attributedUntilUs < HostTimeline.CATCHING_UP_US) {
            lastRunningMs.put(runId, nowMs);
            return true;
        }
        Long last = lastRunningMs.get(runId);
        if (last != null && nowMs - last < emitIntervalMs) {
            return false;
        }
        lastRunningMs.put(runId, nowMs);
        return true;
    }

    /** The run was finalized: nothing more to pace. */
    void forget(String runId) {
        lastRunningMs.remove(runId);
    }
}
