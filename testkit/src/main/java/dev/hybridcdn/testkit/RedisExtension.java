package dev.hybridcdn.testkit;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * A real Redis for one test class. Uses the server on 127.0.0.1:6379 when it answers, otherwise
 * one embedded Redis per test JVM on a free port. Each test class gets its own key prefix; keys
 * under it are deleted after the class.
 *
 * <pre>{@code @RegisterExtension static final RedisExtension REDIS = new RedisExtension();}</pre>
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(RedisExtension.class);
  private static final int LOCAL_PORT = 6379;
  private static volatile Integer port;

  private String keyPrefix;

  @Override
  public void beforeAll(ExtensionContext context) {
    port();
    keyPrefix = "it:" + context.getRequiredTestClass().getSimpleName() + ":"
        + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    deleteKeys(keyPrefix);
  }

  /** The Redis port on 127.0.0.1, starting the embedded server on first use when needed. */
  public static synchronized int port() {
    if (port == null) {
      if (LocalPorts.answers(LOCAL_PORT)) {
        port = LOCAL_PORT;
        LOG.info("tests use the local Redis at 127.0.0.1:{}", LOCAL_PORT);
      } else {
        int p = LocalPorts.free();
        try {
          RedisServer redis = RedisServer.newRedisServer().port(p).bind("127.0.0.1").build();
          redis.start();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              redis.stop();
            } catch (IOException e) {
              LOG.warn("embedded Redis did not stop: {}", e.toString());
            }
          }));
        } catch (IOException e) {
          throw new UncheckedIOException("no Redis on 127.0.0.1:6379 and the embedded one did not start", e);
        }
        port = p;
        LOG.info("tests use an embedded Redis at 127.0.0.1:{}", p);
      }
    }
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}, the form of {@code REDIS_URL}. */
  public String url() {
    return "redis://127.0.0.1:" + port();
  }

  /** This test class's key prefix, e.g. {@code it:EdgeIT:1a2b3c4d:}. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** Deletes every key starting with {@code prefix}; returns how many. */
  public long deleteKeys(String prefix) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url()));
      RedisAPI api = RedisAPI.api(client);
      long deleted = 0;
      String cursor = "0";
      do {
        var reply = api.scan(List.of(cursor, "MATCH", prefix + "*", "COUNT", "500"))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        cursor = reply.get(0).toString();
        List<String> keys = new ArrayList<>();
        reply.get(1).forEach(k -> keys.add(k.toString()));
        if (!keys.isEmpty()) {
          deleted += api.del(keys).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toLong();
        }
      } while (!"0".equals(cursor));
      client.close();
      return deleted;
    } finally {
      vertx.close();
    }
  }
}
