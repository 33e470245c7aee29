package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Secrets kept out of the Kafka settings file: Kafka's own config providers, resolved once for every client. */
class KafkaOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aSecretComesFromTheFileItsVariableNames() throws Exception {
        Path secrets = Files.writeString(dir.resolve("secrets.properties"), "analyzer.password=s3cr3t-from-file\n");
        Path config = Files.writeString(dir.resolve("kafka.properties"), String.join("\n",
                "bootstrap.servers=kafka-1:9093",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "config.providers=file",
                "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"analyzer\" "
                        + "password=\"${file:" + secrets + ":analyzer.password}\";", ""));
        Map<String, Object> props = options("--kafka-config", config.toString()).clientProperties(null);
        assertThat(props.get("sasl.jaas.config").toString()).contains("password=\"s3cr3t-from-file\"");
        assertThat(props).doesNotContainKeys("config.providers", "config.providers.file.class");
        assertThat(props).containsEntry("bootstrap.servers", "kafka-1:9093");
    }

    @Test
    void aVariableNoProviderResolvesIsRefusedNamingIt() throws Exception {
        Path secrets = Files.writeString(dir.resolve("secrets.properties"), "other=x\n");
        assertThatThrownBy(() -> options("--kafka-config", config(secrets, "password").toString()).clientProperties(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sasl.jaas.config refers to ${file:" + secrets + ":password}")
                .hasMessageContaining("did not resolve");
        Path missing = dir.resolve("missing.properties");
        assertThatThrownBy(() -> options("--kafka-config", config(missing, "password").toString()).clientProperties(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config.providers=file cannot be used: Could not read properties from file " + missing);
    }

    private Path config(Path secrets, String key) throws java.io.IOException {
        return Files.writeString(dir.resolve("kafka.properties"), String.join("\n",
                "bootstrap.servers=kafka-1:9093",
                "config.providers=file",
                "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
                "sasl.jaas.config=x password=\"${file:" + secrets + ":" + key + "}\";", ""));
    }

    @Test
    void withoutProvidersNothingChanges() {
        Map<String, Object> props = options("--bootstrap-servers", "k:9092", "-X", "client.id=${not-a-variable}").clientProperties(null);
        assertThat(props).containsEntry("client.id", "${not-a-variable}");
    }

    private static KafkaOptions options(String... args) {
        KafkaOptions options = new KafkaOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }
}
