package dev.hybridcdn.schemas.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serde} of events over an {@link EventCodec}. One serde serves every topic: the
 * value type is the common {@link SpecificRecord}; consumers dispatch on the decoded class.
 * Deserializing throws {@link EventDecodingException} for bytes that are not an event; a
 * {@code null} value (tombstone) passes through as {@code null}.
 */
public final class EventSerde implements Serde<SpecificRecord> {
  private final EventCodec codec;

  public EventSerde(EventCodec codec) {
    this.codec = codec;
  }

  @Override
  public Serializer<SpecificRecord> serializer() {
    return (topic, event) -> event == null ? null : codec.encode(topic, event);
  }

  @Override
  public Deserializer<SpecificRecord> deserializer() {
    return (topic, data) -> data == null ? null : codec.decode(topic, data);
  }
}
