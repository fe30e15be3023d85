package dev.hybridcdn.streamskit.trust;

import dev.hybridcdn.servicekit.identity.EventVerifier;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The value serde of a Streams app's peer and edge event sources: decodes as the topic's serde
 * does, then checks the event's signature ({@link EventVerifier}). An event that does not hold up
 * (unsigned under {@code EVENT_AUTH=require}, forged, expired token, wrong node's key, outside the age
 * window) throws, so the deserialization policy dead-letters it with its bytes untouched
 * (streams-kit {@code DeserializationPolicy}). Replays within the window are caught downstream by a
 * {@link SequenceGuard}, which needs state.
 */
public final class VerifiedEvents {
  private VerifiedEvents() {}

  /** {@code events} itself when authentication is off, else a verifying wrapper of it. */
  public static Serde<SpecificRecord> serde(Serde<SpecificRecord> events, EventVerifier verifier) {
    if (verifier.mode() == TrustSettings.Mode.OFF) {
      return events;
    }
    Deserializer<SpecificRecord> inner = events.deserializer();
    Deserializer<SpecificRecord> verifying = new Deserializer<>() {
      @Override
      public SpecificRecord deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
      }

      @Override
      public SpecificRecord deserialize(String topic, Headers headers, byte[] data) {
        SpecificRecord event = inner.deserialize(topic, headers, data);
        if (event != null) {
          verifier.verify(topic, data, headers, event);
        }
        return event;
      }
    };
    return Serdes.serdeFrom(events.serializer(), verifying);
  }
}
