package dev.hybridcdn.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a valid event. A Kafka {@code SerializationException}, so Kafka clients and
 * Streams hand it to their deserialization error handlers; consumers add topic, partition and
 * offset when they log it (see {@code dev.hybridcdn.schemas.deadletter}).
 */
public class EventDecodingException extends SerializationException {
  public EventDecodingException(String message) {
    super(message);
  }

  public EventDecodingException(String message, Throwable cause) {
    super(message, cause);
  }
}
