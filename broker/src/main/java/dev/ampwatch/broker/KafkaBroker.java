package dev.ampwatch.broker;

/** A running single-node Kafka broker. Closing it stops the broker; the data directory stays. */
public interface KafkaBroker extends AutoCloseable {
    /** host:port for the {@code bootstrap.servers} client setting. */
    String bootstrapServers();

    @Override
    void close();
}
