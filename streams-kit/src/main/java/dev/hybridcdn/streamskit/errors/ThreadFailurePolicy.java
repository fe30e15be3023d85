package dev.hybridcdn.streamskit.errors;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Streams uncaught-exception handler of every app: a stream thread that died of a retriable
 * error ({@link Failures#isRetriable}) is replaced, at most {@value #MAX_REPLACEMENTS} times within
 * {@link #WINDOW} (a "transient" error that keeps coming is not transient); anything else shuts
 * the client down with one logged reason, so the instance goes to ERROR and its {@code /health}
 * says DOWN instead of crash-looping on the same record.
 */
public final class ThreadFailurePolicy implements StreamsUncaughtExceptionHandler {
  /** Thread replacements allowed within {@link #WINDOW}. */
  public static final int MAX_REPLACEMENTS = 10;
  /** The window of {@link #MAX_REPLACEMENTS}. */
  public static final Duration WINDOW = Duration.ofMinutes(5);
  private static final Logger LOG = LoggerFactory.getLogger(ThreadFailurePolicy.class);

  private final String application;
  private final LongSupplier nanoClock;
  private final Deque<Long> replacements = new ArrayDeque<>();

  /** @param application named in the log lines */
  public ThreadFailurePolicy(String application) {
    this(application, System::nanoTime);
  }

  ThreadFailurePolicy(String application, LongSupplier nanoClock) {
    this.application = application;
    this.nanoClock = nanoClock;
  }

  @Override
  public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
    long now = nanoClock.getAsLong();
    while (!replacements.isEmpty() && now - replacements.peekFirst() > WINDOW.toNanos()) {
      replacements.removeFirst();
    }
    if (Failures.isRetriable(exception) && replacements.size() < MAX_REPLACEMENTS) {
      replacements.addLast(now);
      LOG.warn("{}: stream thread died of a retriable error; replacing it ({} of {} within {} s): {}", application,
          replacements.size(), MAX_REPLACEMENTS, WINDOW.toSeconds(), Failures.reason(exception));
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
    LOG.error("{}: shutting Kafka Streams down: {} error: {}", application,
        Failures.isRetriable(exception) ? "retriable error repeated " + MAX_REPLACEMENTS + " times, now treated as fatal"
            : "fatal", Failures.reason(exception), exception);
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }
}
