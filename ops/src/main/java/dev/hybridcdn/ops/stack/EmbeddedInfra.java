package dev.hybridcdn.ops.stack;

import dev.hybridcdn.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers an in-process local stack needs, embedded and on free loopback ports, never the
 * machine's own: a Kafka broker in KRaft mode in this JVM ({@link EmbeddedKafka}) and PostgreSQL
 * and Redis ({@link EmbeddedStores}). Data lives under one directory. Started in parallel;
 * {@link #close()} stops all three.
 */
public final class EmbeddedInfra implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfra.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedStores stores;
  private final Duration startTime;

  private EmbeddedInfra(EmbeddedKafka kafka, EmbeddedStores stores, Duration startTime) {
    this.kafka = kafka;
    this.stores = stores;
    this.startTime = startTime;
  }

  /**
   * Starts the three servers; blocks until all accept clients.
   *
   * @param dataDir their data ({@code kafka/}, {@code postgres/}); created if missing
   * @throws IllegalStateException naming the server that did not start (the others are stopped)
   */
  public static EmbeddedInfra start(Path dataDir) {
    long t0 = System.nanoTime();
    CompletableFuture<EmbeddedKafka> kafka = CompletableFuture.supplyAsync(() -> EmbeddedKafka.start(dataDir.resolve("kafka")),
        EmbeddedStores.OWN_THREAD);
    CompletableFuture<EmbeddedStores> stores = CompletableFuture.supplyAsync(() -> EmbeddedStores.start(dataDir),
        EmbeddedStores.OWN_THREAD);
    try {
      CompletableFuture.allOf(kafka, stores).join();
    } catch (RuntimeException e) {
      kafka.thenAccept(EmbeddedKafka::close);
      stores.thenAccept(EmbeddedStores::close);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info("embedded Kafka {}, PostgreSQL {}, Redis {} ready in {} ms", kafka.join().bootstrapServers(),
        stores.join().postgresPort(), stores.join().redisUrl(), took.toMillis());
    return new EmbeddedInfra(kafka.join(), stores.join(), took);
  }

  /** {@code host:port} of the Kafka broker. */
  public String kafkaBootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** PostgreSQL port on 127.0.0.1 (user and password {@code postgres}). */
  public int postgresPort() {
    return stores.postgresPort();
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String redisUrl() {
    return stores.redisUrl();
  }

  /** Wall time until all three accepted clients. */
  public Duration startTime() {
    return startTime;
  }

  /** Stops Redis, PostgreSQL and Kafka; never throws. */
  @Override
  public void close() {
    stores.close();
    kafka.close();
  }
}
