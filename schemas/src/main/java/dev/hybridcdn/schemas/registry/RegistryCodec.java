package dev.hybridcdn.schemas.registry;

import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.schemas.serde.EventDecodingException;
import dev.hybridcdn.schemas.serde.EventTypes;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Events in the Confluent wire format through a schema registry: byte {@code 0} (magic), the
 * schema id as a 4-byte big-endian int, then the Avro binary body, the format of Confluent's
 * {@code KafkaAvroSerializer} and of Apicurio's serdes with {@code apicurio.registry.as-confluent}.
 *
 * <p><b>Writing</b> ({@link Encoding#CONFLUENT}): the current schema of the event's class is
 * registered under the subject {@code <topic>-<record full name>} (Confluent's
 * {@code TopicRecordNameStrategy}, Apicurio's {@code TopicRecordIdStrategy}: a topic carries
 * several record types, so the topic name alone cannot be the subject); the id is cached, so the
 * registry is asked once per topic and type. {@link Encoding#SINGLE_OBJECT} keeps writing the
 * registry-free single-object encoding: the first step of a migration, while some consumers still
 * run without a registry.
 *
 * <p><b>Reading</b> takes both formats, told apart by the first byte: {@code 0x00} Confluent
 * (writer schema fetched by id once, cached, and resolved to the current generated class as
 * {@link SingleObjectCodec} resolves released versions), {@code 0xC3} single-object. So a topic
 * that holds events from before and after a migration reads back whole.
 *
 * <p>Thread-safe. Errors: {@link IllegalArgumentException} for a non-event class,
 * {@link IncompatibleSchemaException} when the registry refuses the current schema,
 * {@link SchemaRegistryException} when it does not answer (encode, or decode of an id not seen
 * before), {@link EventDecodingException} for bytes that are no event.
 */
public final class RegistryCodec implements EventCodec {
  /** First byte of the Confluent wire format. */
  public static final byte MAGIC = 0;
  static final int HEADER_BYTES = 5;
  /** Bound on each registry request. */
  public static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(5);
  private static final Map<String, RegistryCodec> SHARED = new ConcurrentHashMap<>();

  /** What {@link #encode} writes. */
  public enum Encoding {
    /** Magic byte 0, schema id, Avro binary (the default with a registry). */
    CONFLUENT,
    /** Avro single-object encoding, as without a registry (reads still take both). */
    SINGLE_OBJECT;

    /**
     * {@code confluent} or {@code single-object}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Encoding parse(String text) {
      return switch (text.strip().toLowerCase(Locale.ROOT)) {
        case "confluent" -> CONFLUENT;
        case "single-object" -> SINGLE_OBJECT;
        default -> throw new IllegalArgumentException("expected confluent or single-object: " + text);
      };
    }
  }

  private final SchemaRegistryClient registry;
  private final Encoding encoding;
  private final SingleObjectCodec singleObject;
  /** Subject -> id of the current schema of its record type. */
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  /** Schema id -> reader from that writer schema to the current class. */
  private final Map<Integer, SpecificDatumReader<SpecificRecord>> readers = new ConcurrentHashMap<>();
  private final Map<Class<?>, SpecificDatumWriter<SpecificRecord>> writers = new ConcurrentHashMap<>();
  private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  public RegistryCodec(SchemaRegistryClient registry, Encoding encoding) {
    this.registry = registry;
    this.encoding = encoding;
    this.singleObject = SingleObjectCodec.instance();
  }

  /**
   * One codec per registry URL and encoding in this JVM, so every service and command sharing a
   * process shares its caches of ids and schemas.
   *
   * @param url the registry's Confluent-compatible API, e.g. {@code http://127.0.0.1:8085/apis/ccompat/v7}
   */
  public static RegistryCodec shared(String url, Encoding encoding) {
    return SHARED.computeIfAbsent(url + " " + encoding,
        k -> new RegistryCodec(new SchemaRegistryClient(url, REGISTRY_TIMEOUT), encoding));
  }

  /** The subject an event type is registered under on a topic: {@code <topic>-<full name>}. */
  public static String subject(String topic, Schema schema) {
    return topic + "-" + schema.getFullName();
  }

  public Encoding encoding() {
    return encoding;
  }

  public SchemaRegistryClient registry() {
    return registry;
  }

  @Override
  public byte[] encode(String topic, SpecificRecord event) {
    if (encoding == Encoding.SINGLE_OBJECT) {
      return singleObject.encode(topic, event);
    }
    Class<? extends SpecificRecord> type = event.getClass();
    if (!EventTypes.byFullName().containsValue(type)) {
      throw new IllegalArgumentException("not an event type: " + type.getName());
    }
    Schema schema = EventTypes.schemaOf(type);
    int id = idOf(topic, schema);
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(MAGIC);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
    encoders.set(encoder);
    try {
      writers.computeIfAbsent(type, t -> new SpecificDatumWriter<>(schema)).write(event, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + schema.getName(), e);
    }
    return out.toByteArray();
  }

  /** Registers the current schema of every type of every topic (encoding {@link Encoding#CONFLUENT} only). */
  @Override
  public void prepare(Map<String, Set<Class<? extends SpecificRecord>>> topics) {
    if (encoding == Encoding.CONFLUENT) {
      topics.forEach((topic, types) -> types.forEach(type -> idOf(topic, EventTypes.schemaOf(type))));
    }
  }

  private int idOf(String topic, Schema schema) {
    return ids.computeIfAbsent(subject(topic, schema), subject -> {
      int registered = registry.register(subject, schema);
      // The writer of our own events needs no lookup when we read them back.
      readers.putIfAbsent(registered, new SpecificDatumReader<>(schema, schema));
      return registered;
    });
  }

  @Override
  public SpecificRecord decode(String topic, byte[] data) {
    if (data != null && data.length > 0 && data[0] == MAGIC) {
      return decodeConfluent(topic, data);
    }
    return singleObject.decode(topic, data);
  }

  private SpecificRecord decodeConfluent(String topic, byte[] data) {
    if (data.length < HEADER_BYTES) {
      throw new EventDecodingException("not a Confluent-format event on " + topic + ": " + data.length
          + " bytes, shorter than the 5-byte header");
    }
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    SpecificDatumReader<SpecificRecord> reader = readers.computeIfAbsent(id, this::readerFor);
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, decoders.get());
    decoders.set(decoder);
    String name = reader.getSchema().getFullName();
    try {
      SpecificRecord record = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new EventDecodingException("trailing bytes after " + name + " (schema id " + id + ") on " + topic);
      }
      return record;
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
      throw new EventDecodingException("corrupt " + name + " body (schema id " + id + ") on " + topic + ": " + e, e);
    }
  }

  private SpecificDatumReader<SpecificRecord> readerFor(int id) {
    Schema writer;
    try {
      writer = registry.schemaById(id);
    } catch (SchemaRegistryException e) {
      if (e.status() == 404) {
        throw new EventDecodingException("schema id " + id + " is not in the registry at " + registry.baseUrl(), e);
      }
      throw e;
    }
    Class<? extends SpecificRecord> type = EventTypes.byFullName().get(writer.getFullName());
    if (type == null) {
      throw new EventDecodingException("schema id " + id + " is " + writer.getFullName() + ", not an event type");
    }
    return new SpecificDatumReader<>(writer, EventTypes.schemaOf(type));
  }
}
