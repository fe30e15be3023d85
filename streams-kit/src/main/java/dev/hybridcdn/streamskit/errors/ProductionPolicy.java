package dev.hybridcdn.streamskit.errors;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

/**
 * {@code production.exception.handler}: writing a result failed. Retriable send errors are retried
 * (as Kafka's default handler does); an output that cannot be serialized, or that the broker
 * rejects for its own content (too large, invalid), is the input record's fault and gets the
 * {@link BadRecordPolicy}; any other error (authorization, fencing) is fatal.
 */
public final class ProductionPolicy extends PolicyHandler implements ProductionExceptionHandler {
  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
      Exception exception) {
    if (Failures.isRetriable(exception)) {
      return Response.retry();
    }
    if (exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException) {
      return decide("unwritable", context, exception, Response::resume, Response::fail);
    }
    return Response.fail();
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
      SerializationExceptionOrigin origin) {
    return decide("unserializable " + origin.name().toLowerCase(java.util.Locale.ROOT), context, exception,
        Response::resume, Response::fail);
  }
}
