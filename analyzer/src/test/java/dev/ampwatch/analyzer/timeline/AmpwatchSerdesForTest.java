package dev.ampwatch.analyzer.timeline;

/** The size of a host's state as the changelog stores it. */
final class AmpwatchSerdesForTest {
    private AmpwatchSerdesForTest() {}

    static int hostStateBytes(HostTimeline t) {
        return dev.ampwatch.analyzer.streams.TimelineCache.encodedState(t.state()).length;
    }
}
