package dev.hybridcdn.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a bound, polling every 20 ms; never "sleep and hope". */
public final class Await {
  private static final long POLL_MS = 20;

  private Await() {}

  /**
   * Returns as soon as {@code condition} is true.
   *
   * @throws AssertionError naming {@code what} when it is still false after {@code timeout}
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      pause();
    }
  }

  /**
   * Polls {@code value} until it is non-null and returns it.
   *
   * @throws AssertionError naming {@code what} on timeout
   */
  public static <T> T value(Duration timeout, String what, Supplier<T> value) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T v;
    while ((v = value.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      pause();
    }
    return v;
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
