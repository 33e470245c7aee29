package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The statistics app of the direct engine runs at least once, reading committed records only, whatever a user passes
 * ({@link AnalyzerApp#statisticsGuarantee}: under exactly-once a commit that timed out in a broker outage cost
 * {@code /runs} every run finished before it). Checked on the consumer settings Kafka Streams derives, so an override it
 * dropped would show.
 */
class StatisticsGuaranteeTest {
    @Test
    void theStatisticsReadCommittedRunEnergyAtLeastOnce() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ampwatch-analyzer-stats");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2); // what streamsProperties sets
        AnalyzerApp.statisticsGuarantee(props);
        StreamsConfig config = new StreamsConfig(props);

        assertThat(config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
        assertThat(config.getMainConsumerConfigs("ampwatch-analyzer-stats", "c", 0)).containsEntry("isolation.level", "read_committed");
        assertThat(config.getRestoreConsumerConfigs("c")).containsEntry("isolation.level", "read_committed");
        assertThat(config.getProducerConfigs("c")).doesNotContainKey("transactional.id");
    }
}
