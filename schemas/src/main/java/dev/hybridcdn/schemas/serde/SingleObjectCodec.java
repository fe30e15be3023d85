package dev.hybridcdn.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding, as the Avro specification defines it: the two-byte marker
 * {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's parsing
 * canonical form, then the Avro binary body.
 *
 * <p>Decoding looks the fingerprint up among the current schemas and every released version in
 * {@link SchemaHistory}, and resolves the writer schema to the current generated class (Avro
 * schema resolution), so events written by any released version decode into today's classes.
 */
public final class SingleObjectCodec implements EventCodec {
  static final byte MARKER_0 = (byte) 0xC3;
  static final byte MARKER_1 = (byte) 0x01;
  static final int HEADER_BYTES = 10;

  private static final SingleObjectCodec INSTANCE = new SingleObjectCodec(SchemaHistory.load());

  /** Fingerprint -> reader from that writer schema to the current class. */
  private final Map<Long, SpecificDatumReader<SpecificRecord>> readers = new HashMap<>();
  private final Map<Long, String> writerNames = new HashMap<>();
  private final Map<Class<?>, Writer> writers = new HashMap<>();
  private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  private record Writer(byte[] header, SpecificDatumWriter<SpecificRecord> datumWriter) {}

  /** The shared codec over the history on the classpath. */
  public static SingleObjectCodec instance() {
    return INSTANCE;
  }

  /**
   * @throws IllegalStateException if a released version has no current class (a record type was
   *     removed) or two different schemas share a fingerprint
   */
  SingleObjectCodec(SchemaHistory history) {
    for (var type : EventTypes.byFullName().values()) {
      Schema current = EventTypes.schemaOf(type);
      writers.put(type, new Writer(header(current), new SpecificDatumWriter<>(current)));
      register(current, current);
    }
    for (SchemaHistory.Version v : history.all()) {
      if (dev.hybridcdn.schemas.internal.InternalRecords.NAMESPACE.equals(v.schema().getNamespace())) {
        continue; // an app's internal record, no event: InternalRecords decodes it
      }
      var type = EventTypes.byFullName().get(v.schema().getFullName());
      if (type == null) {
        throw new IllegalStateException("released schema " + v.resource() + " has no current event class");
      }
      register(v.schema(), EventTypes.schemaOf(type));
    }
  }

  private void register(Schema writer, Schema reader) {
    long fp = SchemaNormalization.parsingFingerprint64(writer);
    String previous = writerNames.putIfAbsent(fp, writer.getFullName());
    if (previous != null && !previous.equals(writer.getFullName())) {
      throw new IllegalStateException("fingerprint clash between " + previous + " and " + writer.getFullName());
    }
    readers.putIfAbsent(fp, new SpecificDatumReader<>(writer, reader));
  }

  static byte[] header(Schema schema) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MARKER_0).put(MARKER_1).putLong(SchemaNormalization.parsingFingerprint64(schema));
    return b.array();
  }

  @Override
  public byte[] encode(String topic, SpecificRecord event) {
    Writer writer = writers.get(event.getClass());
    if (writer == null) {
      throw new IllegalArgumentException("not an event type: " + event.getClass().getName());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.writeBytes(writer.header());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
    encoders.set(encoder);
    try {
      writer.datumWriter().write(event, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + event.getSchema().getName(), e);
    }
    return out.toByteArray();
  }

  @Override
  public SpecificRecord decode(String topic, byte[] data) {
    if (data != null && data.length > 0 && data[0] == 0) {
      throw new EventDecodingException("a Confluent-format event (magic byte 0, schema id) on " + topic
          + ": reading it needs the schema registry (SCHEMA_REGISTRY_URL)");
    }
    if (data == null || data.length < HEADER_BYTES) {
      throw new EventDecodingException("not an Avro single-object event on " + topic + ": "
          + (data == null ? "null" : data.length + " bytes") + ", shorter than the 10-byte header");
    }
    if (data[0] != MARKER_0 || data[1] != MARKER_1) {
      throw new EventDecodingException(String.format(
          "not an Avro single-object event on %s: marker %02x %02x, expected c3 01", topic, data[0], data[1]));
    }
    long fp = ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    SpecificDatumReader<SpecificRecord> reader = readers.get(fp);
    if (reader == null) {
      throw new EventDecodingException(String.format(
          "unknown schema fingerprint %016x on %s: not a released version of any event", fp, topic));
    }
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, decoders.get());
    decoders.set(decoder);
    try {
      SpecificRecord record = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new EventDecodingException("trailing bytes after " + writerNames.get(fp) + " on " + topic);
      }
      return record;
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
      throw new EventDecodingException("corrupt " + writerNames.get(fp) + " body on " + topic + ": " + e, e);
    }
  }
}
