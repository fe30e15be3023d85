package dev.hybridcdn.schemas.internal;

import dev.hybridcdn.schemas.serde.SchemaHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The Avro records Streams apps keep for themselves (repartition topics, state stores, app-owned
 * topics; {@code src/main/avro/internal/}), and their Kafka serde. Like events they are written in
 * Avro single-object encoding and every released version stays under {@code schema-history/}, so
 * a changelog or app-owned topic written by an older build still restores.
 */
public final class InternalRecords {
  /** Avro namespace of every internal record. */
  public static final String NAMESPACE = "dev.hybridcdn.schemas.internal";
  /** Every internal record type (checked by {@code SchemaCompatibilityTest} like the events). */
  public static final List<Class<? extends SpecificRecord>> TYPES =
      List.of(HolderChange.class, TrackedPeer.class, PeerLoadWindow.class, GraphChangeNode.class, GraphChangeLink.class);

  private static final SchemaHistory HISTORY = SchemaHistory.load();

  private InternalRecords() {}

  /**
   * The serde of one internal record type: null stays null (tombstones); bytes that are not a
   * known version of {@code type} fail with {@link SerializationException}, which a Streams app's
   * deserialization handler dead-letters.
   */
  public static <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    BinaryMessageEncoder<T> encoder = new BinaryMessageEncoder<>(model, schema);
    BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, schema);
    HISTORY.versions(schema.getName()).forEach(v -> decoder.addSchema(v.schema()));
    Serializer<T> serializer = (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        encoder.encode(value, out);
        return out.toByteArray();
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot encode " + schema.getName() + " for " + topic, e);
      }
    };
    Deserializer<T> deserializer = (topic, data) -> {
      if (data == null) {
        return null;
      }
      try {
        return decoder.decode(data);
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("not a " + schema.getName() + " on " + topic + " (" + data.length
            + " bytes): " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
