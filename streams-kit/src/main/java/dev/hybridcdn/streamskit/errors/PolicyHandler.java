package dev.hybridcdn.streamskit.errors;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.deadletter.StreamsDeadLetterHandler;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the three record handlers share: the policy and dead-letter topic read from the Streams
 * properties ({@link BadRecordPolicy#CONFIG}, {@link StreamsDeadLetterHandler#DEAD_LETTER_TOPIC_CONFIG}),
 * and the one decision with its log line naming topic, partition, offset and processor.
 */
abstract class PolicyHandler implements Configurable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyHandler.class);

  BadRecordPolicy policy = BadRecordPolicy.DEAD_LETTER;
  String deadLetterTopic;
  String application;

  @Override
  public void configure(Map<String, ?> configs) {
    Object p = configs.get(BadRecordPolicy.CONFIG);
    if (p != null) {
      policy = BadRecordPolicy.parse(p.toString()).orElseThrow(() -> new IllegalArgumentException(
          BadRecordPolicy.CONFIG + " must be dead-letter, continue or fail: " + p));
    }
    Object t = configs.get(StreamsDeadLetterHandler.DEAD_LETTER_TOPIC_CONFIG);
    if (t == null && policy == BadRecordPolicy.DEAD_LETTER) {
      throw new IllegalArgumentException(StreamsDeadLetterHandler.DEAD_LETTER_TOPIC_CONFIG
          + " must name the dead-letter topic under policy dead-letter");
    }
    deadLetterTopic = t == null ? null : t.toString();
    application = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
  }

  /**
   * Applies the policy to one bad record.
   *
   * @param what what went wrong, e.g. "unprocessable", for the log line
   * @param resume the handler's {@code Response.resume(deadLetters)}
   * @param fail the handler's {@code Response.fail()}
   */
  <R> R decide(String what, ErrorHandlerContext context, Exception error,
      Function<List<ProducerRecord<byte[], byte[]>>, R> resume, Supplier<R> fail) {
    String where = DeadLetters.where(context.topic(), context.partition(), context.offset());
    switch (policy) {
      case DEAD_LETTER -> {
        LOG.warn("{} record at {} (processor {}) sent to {}: {}", what, where, context.processorNodeId(),
            deadLetterTopic, error.toString());
        return resume.apply(List.of(DeadLetters.record(deadLetterTopic, context.topic(), context.partition(),
            context.offset(), context.sourceRawKey(), context.sourceRawValue(), error, application)));
      }
      case CONTINUE -> {
        LOG.warn("{} record at {} (processor {}) skipped (bad-record policy continue): {}", what, where,
            context.processorNodeId(), error.toString());
        return resume.apply(List.of());
      }
      default -> {
        LOG.error("{} record at {} (processor {}); stopping (bad-record policy fail): {}", what, where,
            context.processorNodeId(), error.toString());
        return fail.get();
      }
    }
  }
}
