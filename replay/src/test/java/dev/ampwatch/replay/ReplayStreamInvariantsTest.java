package dev.ampwatch.replay;

import static dev.ampwatch.replay.ReplayStreamTest.T0;
import static dev.ampwatch.replay.ReplayStreamTest.event;
import static dev.ampwatch.replay.ReplayStreamTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the markers promise, checked on random traces, and what they cost on a large one. */
class ReplayStreamInvariantsTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void everyMarkerIsTrueAndNoneIsForAnIdleHost(long seed) {
        Random random = new Random(seed);
        Duration interval = List.of(Duration.ofMillis(1), Duration.ofMillis(250), Duration.ofSeconds(1),
                Duration.ofSeconds(7)).get(random.nextInt(4));
        List<ReplayRecord> trace = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            String host = "h" + (int) Math.abs(random.nextGaussian() * 8); // a few busy hosts, a tail of rare ones
            Instant t = T0.plusMillis(random.nextInt(120_000)).plusNanos(1_000L * random.nextInt(1_000));
            trace.add(random.nextBoolean() ? sample(host, t) : event(host, t));
        }
        List<ReplayRecord> stream = ReplayStream.plan(trace, interval, null);

        assertThat(stream.stream().filter(r -> !r.marker()).toList()).containsExactlyElementsOf(ReplayStream.ordered(trace));
        Map<String, Instant> nextRecord = new HashMap<>();
        Set<String> ended = new HashSet<>();
        for (int i = stream.size() - 1; i >= 0; i--) { // backwards: what comes after each marker
            ReplayRecord r = stream.get(i);
            if (!r.marker()) {
                nextRecord.put(r.host(), r.eventTime());
            } else if (r.event().getKind() == EventKind.STREAM_END) {
                assertThat(ended.add(r.host())).as("one STREAM_END per host").isTrue();
                assertThat(nextRecord).as("a record after its host's STREAM_END").doesNotContainKey(r.host());
            } else {
                Instant next = nextRecord.get(r.host());
                assertThat(next == null || next.isAfter(r.eventTime())).as("%s: a record of its host at or before it "
                        + "comes later, at %s", r.origin(), next).isTrue();
            }
        }
        Set<String> dirty = new HashSet<>();
        Map<String, Instant> promised = new HashMap<>();
        Map<String, Instant> lastRecord = new HashMap<>();
        for (ReplayRecord r : stream) {
            if (!r.marker()) {
                if (ended.contains(r.host())) { // a host with replayed events: vouched for
                    dirty.add(r.host());
                    lastRecord.put(r.host(), r.eventTime());
                }
                continue;
            }
            Instant before = promised.put(r.host(), r.eventTime());
            assertThat(before == null || !before.isAfter(r.eventTime())).as("markers of a host never step back").isTrue();
            if (r.event().getKind() == EventKind.PROGRESS) {
                assertThat(dirty.remove(r.host())).as("a PROGRESS only after records of its host").isTrue();
            } else {
                assertThat(r.eventTime()).isAfterOrEqualTo(lastRecord.get(r.host()));
            }
        }
        assertThat(ended).as("a STREAM_END for every host whose training events are replayed, and only those")
                .isEqualTo(trace.stream().filter(r -> r.event() != null).map(ReplayRecord::host).collect(Collectors.toSet()));
        assertThat(stream.size() - trace.size()).isLessThanOrEqualTo(trace.size() + 2 * ended.size());
    }

    /** 10^6 records of 1,000 hosts over 1,000 s, ten hosts busy in each second. */
    @Test
    void aMillionRecordsOfAThousandHostsGetOneProgressPerBusyHostAndSecond() {
        String[] hosts = new String[1_000];
        for (int h = 0; h < hosts.length; h++) {
            hosts[h] = "rig-" + h;
        }
        List<ReplayRecord> trace = new ArrayList<>(1_000_000);
        for (int j = 0; j < 1_000_000; j++) {
            int second = j / 1_000;
            String host = hosts[(second * 7 + j % 10) % hosts.length];
            Instant t = T0.plusNanos(j * 1_000_000L + 500_000L); // off the boundaries
            // each busy host's first record of its second an event: replay vouches for hosts whose events it sends
            trace.add(j % 1_000 < 10 ? event(host, t) : sample(host, t));
        }
        List<ReplayRecord> stream = ReplayStream.plan(trace, Duration.ofSeconds(1), null);

        long progress = stream.stream().filter(r -> r.marker() && r.event().getKind() == EventKind.PROGRESS).count();
        long ends = stream.stream().filter(r -> r.marker() && r.event().getKind() == EventKind.STREAM_END).count();
        assertThat(progress).as("one per (host, second) with records: 1,000 s x 10 hosts").isEqualTo(10_000);
        assertThat(ends).isEqualTo(1_000);
        assertThat(stream).hasSize(1_000_000 + 11_000);
    }
}
