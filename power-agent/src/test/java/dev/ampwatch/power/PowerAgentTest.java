package dev.ampwatch.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PowerAgentTest {

    private final MockProducer<String, PowerSample> producer = new MockProducer<>(true, null,
            new StringSerializer(), AmpwatchSerdes.powerSample().serializer());

    @BeforeEach
    void clear() {
        FakeSources.CLOSED.clear();
    }

    @Test
    void wiresSourcesThroughSamplerToKafkaAndExposesMetrics() {
        PowerAgentConfig config = PowerAgentConfig.defaults().withHost("node-1")
                .withSources(List.of("fake-missing", "fake-gpu", "fake-cpu"))
                .withInterval("fake-gpu", Duration.ofMillis(5)).withInterval("fake-cpu", Duration.ofMillis(5))
                .withTopic("test.power");
        PowerSourceRegistry registry = new PowerSourceRegistry(List.of(new FakeSources.Missing(),
                new FakeSources.Gpu(), new FakeSources.Cpu()));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PowerAgent agent = PowerAgent.start(config, registry, producer, InstantSource.system())) {
            agent.metrics().bindTo(meters);
            await().until(() -> agent.stats().source("fake-gpu").samplesPublished() >= 3
                    && agent.stats().source("fake-cpu").samplesPublished() >= 3);
            assertThat(agent.sourceStatuses()).extracting(SourceStatus::state).containsExactly(
                    SourceStatus.State.UNAVAILABLE, SourceStatus.State.OPENED, SourceStatus.State.OPENED);
            assertThat(meters.get("ampwatch.power.samples.published").tag("source", "fake-gpu")
                    .functionCounter().count()).isGreaterThanOrEqualTo(3);
            assertThat(meters.get("ampwatch.power.sample.age").tag("source", "fake-cpu").gauge().value())
                    .isNotNaN();
        }
        assertThat(producer.history()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo("test.power");
            assertThat(r.key()).isEqualTo("node-1");
            assertThat(r.value().getHost()).isEqualTo("node-1");
        });
        assertThat(FakeSources.CLOSED).containsExactly("fake-cpu", "fake-gpu");
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void failsWithEveryReasonWhenNothingOpensAndClosesTheProducer() {
        PowerAgentConfig config = PowerAgentConfig.defaults().withSources(List.of("fake-missing", "fake-broken", "nope"));
        PowerSourceRegistry registry = new PowerSourceRegistry(List.of(new FakeSources.Missing(),
                new FakeSources.BrokenOpen()));
        assertThatThrownBy(() -> PowerAgent.start(config, registry, producer, InstantSource.system()))
                .isInstanceOf(NoPowerSourceException.class)
                .hasMessageContaining("no fake meter on /dev/ttyFAKE")
                .hasMessageContaining("permission denied: /dev/fake")
                .hasMessageContaining("no source named 'nope'");
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void listSourcesDescribesTheDiscoveredSources() {
        List<SourceStatus> statuses = PowerAgent.listSources(PowerAgentConfig.defaults());
        assertThat(statuses).extracting(SourceStatus::name).startsWith("nvml", "rapl", "wattmeter", "estimate");
        // whether nvml/rapl work depends on the machine; alone, the estimate always does
        assertThat(PowerAgent.listSources(PowerAgentConfig.defaults().withSources(List.of("estimate"))).get(0).state())
                .isEqualTo(SourceStatus.State.AVAILABLE);
    }

    @Test
    void configDefaultsAndValidation() {
        PowerAgentConfig d = PowerAgentConfig.defaults();
        assertThat(d.host()).as("the one host id, as the trainers derive it").isEqualTo(HostId.local());
        assertThat(d.sources()).containsExactly("nvml", "rapl", "wattmeter", "estimate");
        assertThat(d.topic()).isEqualTo("ampwatch.power-samples");
        assertThat(d.cpuTdpWatts()).isEqualTo(65.0);
        assertThat(d.dramWattsPerGib()).isEqualTo(0.375);
        assertThat(d.sourceContext(InstantSource.system()).settings())
                .containsEntry("estimate.cpu-tdp-watts", "65.0");
        assertThat(d.intervalFor(new FakeSources.Gpu())).isEqualTo(Duration.ofMillis(100));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withHost(" "));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withHost("rig\tone")).withMessageContaining("control character");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withSources(List.of()));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withSources(List.of("a", "a")));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withInterval("rapl", Duration.ZERO));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withEstimate(-5, 0.3, 0.375));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withBufferCapacity(0));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withSourceSetting("estimate.cpu-tdp-watts", "1"));
        assertThat(d.withSourceSetting("wattmeter.device", "/dev/ttyUSB0").sourceContext(InstantSource.system())
                .setting("wattmeter.device")).contains("/dev/ttyUSB0");
        assertThat(Map.copyOf(d.intervals())).isEmpty();
    }
}
