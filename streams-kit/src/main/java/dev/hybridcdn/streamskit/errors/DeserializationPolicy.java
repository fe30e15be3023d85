package dev.hybridcdn.streamskit.errors;

import dev.hybridcdn.schemas.deadletter.StreamsDeadLetterHandler;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * {@code deserialization.exception.handler}: a record whose bytes do not decode is a bad record by
 * definition (retrying decodes the same bytes), so the {@link BadRecordPolicy} always applies.
 * Dead-lettering is {@link StreamsDeadLetterHandler}'s, the same record and headers as every
 * other consumer of the project writes.
 */
public final class DeserializationPolicy extends PolicyHandler implements DeserializationExceptionHandler {
  private final StreamsDeadLetterHandler deadLetters = new StreamsDeadLetterHandler();

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    if (policy == BadRecordPolicy.DEAD_LETTER) {
      deadLetters.configure(configs);
    }
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    if (policy == BadRecordPolicy.DEAD_LETTER) {
      return deadLetters.handleError(context, record, exception);
    }
    return decide("undecodable", context, exception, Response::resume, Response::fail);
  }
}
