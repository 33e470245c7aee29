package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;

/** A record on its way to a host's attribution: a training event or a power sample. */
public sealed interface HostInput permits HostInput.Event, HostInput.Sample {
    Instant eventTime();

    record Event(TrainingEvent event) implements HostInput {
        @Override
        public Instant eventTime() {
            return event.getEventTime();
        }
    }

    record Sample(PowerSample sample) implements HostInput {
        @Override
        public Instant eventTime() {
            return sample.getEventTime();
        }
    }
}
