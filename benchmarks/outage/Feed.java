import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes run-energy records for runs-store-outage.sh (a source-file program: {@code java -cp "launcher/target/lib/*" Feed.java}).
 * <ul>
 *   <li>{@code Feed BOOTSTRAP TOPIC finished N PREFIX}: the final records of runs PREFIX0 .. PREFIX(N-1), each acknowledged;</li>
 *   <li>{@code Feed BOOTSTRAP TOPIC live}: running totals of run "live", as fast as the broker takes them, until killed
 *       (sends the broker refuses while it is down are dropped).</li>
 * </ul>
 */
public class Feed {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("max.block.ms", "2000");
        Serializer<RunEnergy> avro = (topic, e) -> {
            try {
                ByteBuffer b = e.toByteBuffer();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return bytes;
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        };
        try (KafkaProducer<String, RunEnergy> producer = new KafkaProducer<>(p, new StringSerializer(), avro)) {
            if (args[2].equals("finished")) {
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    String id = args[4] + i;
                    producer.send(new ProducerRecord<>(args[1], id, run(id, true, 1000))).get();
                }
                return;
            }
            for (long n = 0; ; n++) {
                try {
                    producer.send(new ProducerRecord<>(args[1], "live", run("live", false, n)));
                    if (n % 50 == 0) {
                        Thread.sleep(10); // leaves the analyzer some of the two cores
                    }
                } catch (RuntimeException e) {
                    // the broker is down: this total is dropped, the next one replaces it
                }
            }
        }
    }

    /** 1000 J on one GPU over 10 s from the epoch (as the analyzer's FinishedRuns test records); a running one has no end. */
    static RunEnergy run(String runId, boolean finished, double joules) {
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("exp").setHost("rig")
                .setStatus(finished ? RunStatus.COMPLETED : RunStatus.RUNNING).setIsFinal(finished).setConfig(null)
                .setStartTime(Instant.EPOCH).setEndTime(finished ? Instant.ofEpochSecond(10) : null)
                .setAttributedUntil(Instant.ofEpochSecond(10)).setDurationSeconds(10).setEnergyJoules(joules)
                .setNetEnergyJoules(600).setAveragePowerWatts(100).setPeakPowerWatts(120).setJoulesPerSample(0.05)
                .setCo2eGrams(0.1).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of(ComponentEnergy.newBuilder().setComponent(Component.GPU).setDevice("gpu0")
                        .setSource(SourceType.NVML).setMethod("counter").setEnergyJoules(1000).setNetEnergyJoules(600)
                        .setCoveredSeconds(10).setSamples(100).build()))
                .setEpochs(List.of())
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }
}
