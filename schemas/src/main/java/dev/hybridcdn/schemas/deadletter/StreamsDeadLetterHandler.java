package dev.hybridcdn.schemas.deadletter;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams deserialization handler: logs the record (topic, partition, offset), writes it to the
 * dead-letter topic with the {@link DeadLetters} headers, and resumes with the next record.
 *
 * <p>Configure with {@code deserialization.exception.handler} = this class and
 * {@value #DEAD_LETTER_TOPIC_CONFIG} = the full dead-letter topic name. Kafka Streams produces the
 * returned dead-letter records itself, inside the task's transaction under exactly-once.
 */
public final class StreamsDeadLetterHandler implements DeserializationExceptionHandler {
  /** Config key: full name of the dead-letter topic. */
  public static final String DEAD_LETTER_TOPIC_CONFIG = "cdn.dead.letter.topic";
  private static final Logger LOG = LoggerFactory.getLogger(StreamsDeadLetterHandler.class);

  private String topic;
  private String application;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(DEAD_LETTER_TOPIC_CONFIG);
    if (t == null) {
      throw new IllegalArgumentException(DEAD_LETTER_TOPIC_CONFIG + " must name the dead-letter topic");
    }
    topic = t.toString();
    application = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    LOG.warn("undecodable record at {} sent to {}: {}",
        DeadLetters.where(record.topic(), record.partition(), record.offset()), topic, exception.toString());
    return Response.resume(List.of(DeadLetters.record(topic, record.topic(), record.partition(),
        record.offset(), record.key(), record.value(), exception, application)));
  }
}
