package dev.hybridcdn.systemtests;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Stops what a test class started, in the order given, so one part failing to close does not leave the rest running. */
final class Shutdown {
  private Shutdown() {}

  /**
   * Closes each non-null part (a failure is printed, not thrown), then {@code vertx} when not null
   * (waiting up to 20 s).
   */
  static void closeAll(Vertx vertx, AutoCloseable... parts) {
    for (AutoCloseable c : parts) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + c + ": " + e);
      }
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }
  }
}
