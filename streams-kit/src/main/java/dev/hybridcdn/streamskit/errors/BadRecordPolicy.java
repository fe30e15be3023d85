package dev.hybridcdn.streamskit.errors;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a Streams app does with a record it cannot decode, process or produce
 * ({@code STREAMS_BAD_RECORD_POLICY}). The same three choices as Kafka's bundled exception
 * handlers and Debezium's {@code event.processing.failure.handling.mode}; applied only to errors
 * of the record itself. Retriable errors (broker unreachable, rebalance) never reach the policy:
 * they are retried or the stream thread is replaced ({@link Failures}).
 */
public enum BadRecordPolicy {
  /** Log it (topic, partition, offset), write it with its source headers to {@code cdn.dead-letters}, go on. */
  DEAD_LETTER("dead-letter"),
  /** Log it and go on without it (Kafka's {@code LogAndContinue*ExceptionHandler}). */
  CONTINUE("continue"),
  /** Log it and stop the client: the record is not skipped, an operator decides (Kafka's {@code LogAndFail*}). */
  FAIL("fail");

  /** Streams property carrying the policy to the handlers ({@link #setting()} text). */
  public static final String CONFIG = "cdn.bad.record.policy";

  private final String setting;

  BadRecordPolicy(String setting) {
    this.setting = setting;
  }

  /** The configuration text, e.g. {@code dead-letter}. */
  public String setting() {
    return setting;
  }

  /** The policy named {@code text}, empty when none is. */
  public static Optional<BadRecordPolicy> parse(String text) {
    return Arrays.stream(values()).filter(p -> p.setting.equals(text)).findFirst();
  }
}
