package dev.ampwatch.schema.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record using Avro single-object encoding: a 2-byte marker, the
 * writer schema's 64-bit fingerprint, then the binary record. The decoder resolves the writer schema
 * from {@link SchemaHistory}, so records written by an older producer stay readable.
 *
 * <p>Thread-safe: Avro's message encoder and decoder are.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    /** Single-object encoding: {@code C3 01}, then the writer schema's fingerprint (8 bytes, little-endian). */
    private static final int HEADER = 10;

    /**
     * No ampwatch record holds a string, byte array or collection this large (a broker's records are about
     * 1 MiB), but a corrupt or hostile record can claim any length in a few bytes, and Avro allocates what
     * it claims before it finds the end of the input: 18 bytes once claimed a 1.5 GB string. Avro reads
     * these limits once, when it first checks one, so they are set before any record is decoded here;
     * a limit the user set on the command line wins.
     */
    static final int MAX_CLAIMED_LENGTH = 16 * 1024 * 1024;

    static {
        for (String limit : new String[] {"org.apache.avro.limits.string.maxLength", "org.apache.avro.limits.bytes.maxLength",
                "org.apache.avro.limits.collectionItems.maxLength"}) {
            if (System.getProperty(limit) == null) {
                System.setProperty(limit, Integer.toString(MAX_CLAIMED_LENGTH));
            }
        }
    }

    private final Class<T> type;
    private final Schema schema;
    private final SpecificData model;
    private final SchemaStore store;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    /** Readers by writer fingerprint: the message decoder reads through an unbuffered stream, byte by byte. */
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();
    /** Reads a record written with {@code schema} itself, field by field; null: the resolving reader. */
    private final FastReader<T> fast;
    private final long fingerprint;
    /** One decoder per thread, pointed at each record's bytes in turn. */
    private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

    /** A hand-written reader of the current schema's binary encoding. */
    interface FastReader<T> {
        T read(BinaryDecoder in) throws IOException;
    }

    public AvroSerde(Class<T> type, Schema schema, SchemaStore store) {
        this(type, schema, store, null);
    }

    AvroSerde(Class<T> type, Schema schema, SchemaStore store, FastReader<T> fast) {
        this.fast = fast;
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.type = type;
        this.schema = schema;
        this.store = store;
        this.model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(writerModel(type, model), schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, store);
    }

    /**
     * The class's model with Avro's generated encoders switched on: classes without logical types get a
     * {@code customEncode} that writes the fields directly instead of through the generic writer's
     * per-field lookups; the bytes are the same (AvroSerdeTest). Reading keeps the class's own model.
     */
    private static SpecificData writerModel(Class<?> type, SpecificData model) {
        SpecificData w = new SpecificData(type.getClassLoader());
        model.getConversions().forEach(w::addLogicalTypeConversion);
        w.setCustomCoders(true);
        return w;
    }

    public AvroSerde(Class<T> type, Schema schema) {
        this(type, schema, SchemaHistory.store(schema));
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            boolean header = bytes.length >= HEADER && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01;
            long writer = header ? ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
            DatumReader<T> reader = header && (fast == null || writer != fingerprint) ? reader(writer) : null;
            if (reader == null && !(header && fast != null && writer == fingerprint)) {
                return decoder.decode(bytes); // a bad header or an unknown schema: its exceptions say which
            }
            // straight from the array: Avro's message decoder reads through an unbuffered stream, byte by byte
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER, bytes.length - HEADER, DECODERS.get());
            DECODERS.set(in);
            return reader == null ? fast.read(in) : reader.read(null, in);
        } catch (MissingSchemaException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName()
                    + ": written with a schema this reader does not know (" + e.getMessage()
                    + "); add that schema version to the schema history", e);
        } catch (BadHeaderException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName()
                    + ": not Avro single-object encoded (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from "
                    + bytes.length + " bytes: " + e, e);
        }
    }

    private DatumReader<T> reader(long fingerprint) {
        DatumReader<T> r = readers.get(fingerprint);
        if (r == null) {
            Schema writer = this.fingerprint == fingerprint ? schema : store.findByFingerprint(fingerprint);
            if (writer == null) {
                return null;
            }
            r = new SpecificDatumReader<>(writer, schema, model);
            readers.put(fingerprint, r);
        }
        return r;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : encode(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            try {
                return decode(data);
            } catch (SerializationException e) {
                throw new SerializationException("topic " + topic + ": " + e.getMessage(), e.getCause());
            }
        };
    }
}
