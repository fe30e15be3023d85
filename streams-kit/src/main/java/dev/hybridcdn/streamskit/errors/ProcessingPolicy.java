package dev.hybridcdn.streamskit.errors;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code processing.exception.handler}: a processor threw on a decoded record. A retriable error
 * ({@link Failures#isRetriable}) fails the task so the stream thread is replaced and the record
 * processed again from the last commit ({@link ThreadFailurePolicy}); any other error is the
 * record's and gets the {@link BadRecordPolicy}; dead letters carry the source record's raw bytes.
 */
public final class ProcessingPolicy extends PolicyHandler implements ProcessingExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessingPolicy.class);

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (Failures.isRetriable(exception)) {
      LOG.warn("retriable error in processor {}; the task will be retried: {}", context.processorNodeId(),
          exception.toString());
      return Response.fail();
    }
    return decide("unprocessable", context, exception, Response::resume, Response::fail);
  }
}
