package dev.ampwatch.trainer.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** PROGRESS and STREAM_END lines in replay's JSON: run-level, or host-wide without a run id. */
class MarkerJsonTest {
    static final String AT = "\"host\":\"rig-1\",\"event_time\":\"2026-11-23T10:00:05Z\",";

    @ParameterizedTest
    @ValueSource(strings = {"", "\"run_id\":\"\",", "\"run_id\":null,", "\"run_id\":\"\",\"experiment_id\":\"\","})
    void aProgressWithoutARunIdIsHostWide(String ids) {
        TrainingEvent e = TrainingEventJson.parse("{" + ids + AT + "\"kind\":\"PROGRESS\"}");
        assertThat(e.getKind()).isEqualTo(EventKind.PROGRESS);
        assertThat(e.getRunId()).isEmpty();
        assertThat(e.getExperimentId()).isEmpty();
        assertThat(e.getHost()).isEqualTo("rig-1");
        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:05Z"));
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(e))).isEqualTo(e);
    }

    @Test
    void aProgressWithARunIdIsTheRunsAndNeedsItsExperiment() {
        TrainingEvent e = TrainingEventJson.parse("{\"run_id\":\"r1\",\"experiment_id\":\"e1\",\"devices\":[\"gpu0\"]," + AT
                + "\"kind\":\"progress\"}");
        assertThat(e.getRunId()).isEqualTo("r1");
        assertThat(e.getDevices()).containsExactly("gpu0");
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(e))).isEqualTo(e);
        assertThatThrownBy(() -> TrainingEventJson.parse("{\"run_id\":\"r1\"," + AT + "\"kind\":\"PROGRESS\"}"))
                .hasMessageContaining("experiment_id: is required");
    }

    @Test
    void aStreamEndIsHostWide() {
        TrainingEvent e = TrainingEventJson.parse("{" + AT + "\"kind\":\"STREAM_END\"}");
        assertThat(e.getKind()).isEqualTo(EventKind.STREAM_END);
        assertThat(e.getRunId()).isEmpty();
        assertThat(TrainingEventJson.parse(TrainingEventJsonWriter.toJson(e))).isEqualTo(e);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"run_id\":\"r1\",\"experiment_id\":\"e1\"," + AT + "\"kind\":\"STREAM_END\" | run_id: \"r1\" must be empty or left out on STREAM_END",
        AT + "\"kind\":\"PROGRESS\",\"epoch\":2                         | epoch: belongs on EPOCH_STARTED and EPOCH_COMPLETED events, not on PROGRESS",
        AT + "\"kind\":\"STREAM_END\",\"config\":{}                     | config: belongs on RUN_STARTED events, not on STREAM_END",
        "\"event_time\":1,\"kind\":\"PROGRESS\"                         | host: is required",
        "\"run_id\":\"\",\"experiment_id\":\"e1\"," + AT + "\"kind\":\"RUN_COMPLETED\" | run_id: \"\" must not be blank",
        "\"experiment_id\":\"e1\"," + AT + "\"kind\":\"EPOCH_STARTED\",\"epoch\":1 | run_id: is required",
        "\"run_id\":\"r\",\"experiment_id\":\"e\",\"host\":\"rig\\u0007\",\"event_time\":1,\"kind\":\"RUN_COMPLETED\" | host id contains a control character (code 7)",
    })
    void everythingButAHostWideMarkerStillNeedsARunId(String fields, String message) {
        assertThatThrownBy(() -> TrainingEventJson.parse("{" + fields.strip() + "}")).isInstanceOf(JsonFieldException.class)
                .hasMessageContaining(message.strip());
    }
}
