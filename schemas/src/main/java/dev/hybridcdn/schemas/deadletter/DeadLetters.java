package dev.hybridcdn.schemas.deadletter;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records for {@code cdn.dead-letters}: the key and value exactly as received, and headers naming
 * where the record came from and why it failed. The same headers are written by plain consumers
 * ({@link EventConsumerLoop}) and by the Streams apps ({@link StreamsDeadLetterHandler}).
 */
public final class DeadLetters {
  /** Header: source topic name. */
  public static final String SOURCE_TOPIC = "cdn.dlq.source.topic";
  /** Header: source partition, decimal. */
  public static final String SOURCE_PARTITION = "cdn.dlq.source.partition";
  /** Header: source offset, decimal. */
  public static final String SOURCE_OFFSET = "cdn.dlq.source.offset";
  /** Header: exception class and message. */
  public static final String ERROR = "cdn.dlq.error";
  /** Header: who dead-lettered it (application or consumer group id). */
  public static final String APPLICATION = "cdn.dlq.application";

  private DeadLetters() {}

  /**
   * A dead-letter record for one failed record.
   *
   * @param deadLetterTopic full name of the dead-letter topic
   * @param application who gives up on the record (consumer group or Streams application id)
   */
  public static ProducerRecord<byte[], byte[]> record(String deadLetterTopic, String sourceTopic, int partition,
      long offset, byte[] key, byte[] value, Throwable error, String application) {
    Headers headers = new RecordHeaders();
    headers.add(SOURCE_TOPIC, utf8(sourceTopic));
    headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
    headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
    headers.add(ERROR, utf8(describe(error)));
    headers.add(APPLICATION, utf8(application));
    return new ProducerRecord<>(deadLetterTopic, null, key, value, headers);
  }

  /** {@code topic/partition@offset}, the way every log line names a record. */
  public static String where(String topic, int partition, long offset) {
    return topic + "/" + partition + "@" + offset;
  }

  static String describe(Throwable error) {
    String text = error.getClass().getName() + ": " + error.getMessage();
    return text.length() > 2000 ? text.substring(0, 2000) : text;
  }

  /** A header's value as text, or null when absent. */
  public static String header(Headers headers, String name) {
    var h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
