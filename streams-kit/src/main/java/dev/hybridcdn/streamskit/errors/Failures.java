package dev.hybridcdn.streamskit.errors;

import java.util.Set;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LockException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

/**
 * Tells retriable errors from fatal ones, the split Debezium's {@code ErrorHandler} and Kafka's own
 * handlers make: a retriable error is about the moment (a broker away, a leader moving, a task
 * moving in a rebalance) and goes away by trying again; a fatal one is about the data or the code
 * and comes back every time, so retrying it is a crash loop.
 */
public final class Failures {
  private static final int MAX_CAUSES = 20;
  // InvalidTxnStateException: a broker that crashed (kill -9) and came back has aborted the
  // transaction in flight, and the commit of an exactly-once stream thread fails with it (seen in
  // system-tests KafkaOutageIT). A replacement thread has a new producer and epoch and reprocesses
  // from the last committed offsets, so nothing is lost or doubled; treating it as fatal stopped the
  // tracker on every broker restart.
  private static final Set<Class<? extends Throwable>> TRANSIENT = Set.of(RetriableException.class,
      TaskMigratedException.class, TaskCorruptedException.class, LockException.class,
      InvalidStateStoreException.class, InvalidTxnStateException.class);

  private Failures() {}

  /**
   * True when {@code error} or one of its causes is retriable: Kafka's {@link RetriableException}
   * (time-outs, unknown leader, not enough replicas, ...) or a Streams task or store moving
   * ({@link TaskMigratedException}, {@link TaskCorruptedException}, {@link LockException},
   * {@link InvalidStateStoreException}), or an exactly-once commit whose transaction a restarted
   * broker aborted ({@link InvalidTxnStateException}).
   */
  public static boolean isRetriable(Throwable error) {
    Throwable t = error;
    for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
      for (Class<? extends Throwable> type : TRANSIENT) {
        if (type.isInstance(t)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The innermost cause's class and message, for the one log line that says why. */
  public static String reason(Throwable error) {
    Throwable root = error;
    for (int i = 0; root.getCause() != null && root.getCause() != root && i < MAX_CAUSES; i++) {
      root = root.getCause();
    }
    return root == error ? error.toString() : error.getClass().getSimpleName() + " caused by " + root;
  }
}
