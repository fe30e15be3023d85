package dev.hybridcdn.streamskit.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.junit.jupiter.api.Test;

class ThreadFailurePolicyTest {
  private final AtomicLong nanos = new AtomicLong();
  private final ThreadFailurePolicy policy = new ThreadFailurePolicy("test-app", nanos::get);

  @Test
  void aRetriableErrorReplacesTheThread() {
    assertThat(policy.handle(new StreamsException(new TimeoutException("broker away")))).isEqualTo(REPLACE_THREAD);
    assertThat(policy.handle(new TaskMigratedException("moved"))).isEqualTo(REPLACE_THREAD);
    // An exactly-once commit after the broker crashed and came back (KafkaOutageIT).
    assertThat(policy.handle(new StreamsException("Error encountered trying to commit a transaction",
        new org.apache.kafka.common.errors.InvalidTxnStateException("invalid state")))).isEqualTo(REPLACE_THREAD);
  }

  @Test
  void aFatalErrorShutsTheClientDownInsteadOfLooping() {
    assertThat(policy.handle(new StreamsException(new IllegalStateException("bug")))).isEqualTo(SHUTDOWN_CLIENT);
    assertThat(policy.handle(new NullPointerException())).isEqualTo(SHUTDOWN_CLIENT);
  }

  @Test
  void aRetriableErrorThatKeepsComingBecomesFatalUntilTheWindowPasses() {
    for (int i = 0; i < ThreadFailurePolicy.MAX_REPLACEMENTS; i++) {
      assertThat(policy.handle(new TimeoutException("again"))).isEqualTo(REPLACE_THREAD);
    }
    assertThat(policy.handle(new TimeoutException("again"))).isEqualTo(SHUTDOWN_CLIENT);
    nanos.addAndGet(ThreadFailurePolicy.WINDOW.toNanos() + 1);
    assertThat(policy.handle(new TimeoutException("later"))).isEqualTo(REPLACE_THREAD);
  }
}
