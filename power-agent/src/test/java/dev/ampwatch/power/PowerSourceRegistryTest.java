package dev.ampwatch.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ampwatch.power.SourceStatus.State;
import dev.ampwatch.schema.Component;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PowerSourceRegistryTest {

    private final SourceContext context =
            new SourceContext("host-a", new FakeClock(Instant.EPOCH), Map.of());

    @BeforeEach
    void clear() {
        FakeSources.CLOSED.clear();
    }

    @Test
    void discoversMainAndTestProviders() {
        assertThat(PowerSourceRegistry.discover().names())
                .contains("estimate", "fake-gpu", "fake-cpu", "fake-missing", "fake-broken");
    }

    @Test
    void describesEverySourceInPreferenceOrderWithReasons() {
        List<SourceStatus> statuses = PowerSourceRegistry.discover()
                .describe(List.of("fake-missing", "fake-gpu", "fake-cpu", "estimate", "nope"));

        assertThat(statuses).extracting(SourceStatus::name, SourceStatus::state).startsWith(
                tuple("fake-missing", State.UNAVAILABLE),
                tuple("fake-gpu", State.AVAILABLE),
                tuple("fake-cpu", State.AVAILABLE),
                tuple("estimate", State.SUPERSEDED),
                tuple("nope", State.NOT_INSTALLED),
                tuple("fake-broken", State.NOT_CONFIGURED));
        assertThat(statuses.get(0).reason()).isEqualTo("no fake meter on /dev/ttyFAKE");
        assertThat(statuses.get(3).reason()).contains("covered by earlier sources");
        assertThat(statuses.get(4).reason()).contains("no source named 'nope'", "fake-gpu");
        String printed = SourceStatus.formatAll(statuses);
        assertThat(printed.lines()).hasSize(statuses.size());
        assertThat(printed).contains("fake-missing", "no fake meter", "nope", "NOT_CONFIGURED");
    }

    @Test
    void orderDecidesWhichSourceCoversAComponent() {
        List<SourceStatus> statuses = PowerSourceRegistry.discover()
                .describe(List.of("estimate", "fake-cpu"));
        assertThat(statuses).extracting(SourceStatus::name, SourceStatus::state).startsWith(
                tuple("estimate", State.AVAILABLE), tuple("fake-cpu", State.SUPERSEDED));
    }

    @Test
    void openSkipsFailedSourcesAndFallsBackForTheirComponents() {
        PowerSourceRegistry registry = new PowerSourceRegistry(List.of(new FakeSources.BrokenOpen(),
                new FakeSources.Gpu(), new PsysFallback()));
        try (OpenedSources opened = registry.open(
                List.of("fake-broken", "fake-gpu", "psys-fallback"), context)) {
            assertThat(opened.opened()).extracting(o -> o.source().name())
                    .containsExactly("fake-gpu", "psys-fallback");
            assertThat(opened.statuses()).extracting(SourceStatus::state)
                    .containsExactly(State.OPEN_FAILED, State.OPENED, State.OPENED);
            assertThat(opened.statuses().get(0).reason()).isEqualTo("permission denied: /dev/fake (run as root?)");
        }
        assertThat(FakeSources.CLOSED).containsExactly("psys-fallback", "fake-gpu");
    }

    @Test
    void availabilityThatThrowsIsReportedNotPropagated() {
        FakeSources.Base throwing = new FakeSources.Base("throwing", Set.of(Component.GPU), Availability.ok()) {
            @Override
            public Availability availability() {
                throw new IllegalStateException("driver exploded");
            }
        };
        List<SourceStatus> statuses = new PowerSourceRegistry(List.of(throwing)).describe(List.of("throwing"));
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(State.UNAVAILABLE);
            assertThat(s.reason()).contains("IllegalStateException", "driver exploded");
        });
    }

    @Test
    void unavailableNeedsAReason() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> Availability.unavailable(" "));
    }

    static final class PsysFallback extends FakeSources.Base {
        PsysFallback() {
            super("psys-fallback", Set.of(Component.PSYS), Availability.ok());
        }
    }
}
