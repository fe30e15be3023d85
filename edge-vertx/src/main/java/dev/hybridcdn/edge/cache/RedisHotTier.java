package dev.hybridcdn.edge.cache;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hot tier: segments in Redis, each with an idle TTL, all of one edge within a byte budget.
 *
 * <p>Keys, all under the edge's prefix {@code P} (default {@code cdn:edge:<edgeId>:}):
 * <ul>
 *   <li>{@code P seg:<segmentId>}: string, 64 ASCII hex characters of SHA-256 followed by the bytes;
 *       expires {@code ttl} after its last hit;</li>
 *   <li>{@code P lru}: sorted set segment id -> last hit (epoch ms), the recency order;</li>
 *   <li>{@code P sizes}: hash segment id -> bytes; {@code P bytes}: total of those sizes.</li>
 * </ul>
 * A hit is one pipelined round trip (GET, renew TTL, renew recency); a store is one Lua script
 * (SET, account, evict least-recently-used entries while the total exceeds the budget), atomic so
 * concurrent stores of several edges' threads cannot break the accounting. Entries idle past the TTL are expired by Redis and swept from the index on later
 * stores. Every command is bounded by {@code timeout}; failures mark {@link #state()} down.
 */
public final class RedisHotTier {
  static final String PUT_SCRIPT = """
      local now, ttl, budget, size = tonumber(ARGV[3]), tonumber(ARGV[2]), tonumber(ARGV[5]), tonumber(ARGV[7])
      local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 100)
      for _, id in ipairs(stale) do
        if redis.call('EXISTS', ARGV[6] .. id) == 0 then
          local s = redis.call('HGET', KEYS[3], id)
          if s then redis.call('DECRBY', KEYS[4], s) end
          redis.call('ZREM', KEYS[2], id)
          redis.call('HDEL', KEYS[3], id)
        end
      end
      if size > budget then return -1 end
      local old = redis.call('HGET', KEYS[3], ARGV[4])
      if old then redis.call('DECRBY', KEYS[4], old) end
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
      redis.call('HSET', KEYS[3], ARGV[4], size)
      redis.call('ZADD', KEYS[2], now, ARGV[4])
      local total = redis.call('INCRBY', KEYS[4], size)
      local evicted = 0
      while total > budget do
        local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
        if not oldest or oldest == ARGV[4] then break end
        local s = tonumber(redis.call('HGET', KEYS[3], oldest) or '0')
        redis.call('ZREM', KEYS[2], oldest)
        redis.call('HDEL', KEYS[3], oldest)
        redis.call('DEL', ARGV[6] .. oldest)
        total = redis.call('DECRBY', KEYS[4], s)
        evicted = evicted + 1
      end
      return evicted
      """;

  /** Removes entries (KEYS: lru, sizes, bytes; ARGV[1]: key prefix of entries, ARGV[2..]: ids), keeping the accounts. */
  static final String REMOVE_SCRIPT = """
      local removed = 0
      for i = 2, #ARGV do
        local id = ARGV[i]
        local s = redis.call('HGET', KEYS[2], id)
        if s then redis.call('DECRBY', KEYS[3], s) end
        redis.call('ZREM', KEYS[1], id)
        redis.call('HDEL', KEYS[2], id)
        removed = removed + redis.call('DEL', ARGV[1] .. id)
      end
      return removed
      """;

  private static final int SHA_HEX = 64;

  private final Redis redis;
  private final String prefix;
  private final long ttlMs;
  private final long budgetBytes;
  private final long timeoutMs;
  private final DependencyState state;
  private final String putSha = sha1(PUT_SCRIPT);
  private final String removeSha = sha1(REMOVE_SCRIPT);

  /**
   * @param url {@code redis://host:port}
   * @param keyPrefix prefix of every key of this edge
   * @param ttl idle TTL of an entry
   * @param budgetBytes segment bytes this edge may keep
   * @param timeout bound on one command (and on connecting)
   */
  public RedisHotTier(Vertx vertx, String url, String keyPrefix, Duration ttl, long budgetBytes, Duration timeout,
      int poolSize) {
    RedisOptions options = new RedisOptions().setConnectionString(url).setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(10_000)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) timeout.toMillis()).setTcpNoDelay(true));
    this.redis = Redis.createClient(vertx, options);
    this.prefix = keyPrefix;
    this.ttlMs = ttl.toMillis();
    this.budgetBytes = budgetBytes;
    this.timeoutMs = timeout.toMillis();
    this.state = new DependencyState("redis", 1000);
  }

  public DependencyState state() {
    return state;
  }

  /** Key of a segment's entry. */
  public String key(String segmentId) {
    return prefix + "seg:" + segmentId;
  }

  /** Total segment bytes this edge holds in Redis, as accounted by the store script. */
  public Future<Long> bytesHeld() {
    return send(Request.cmd(Command.GET).arg(prefix + "bytes"))
        .map(r -> r == null ? 0L : r.toLong());
  }

  /**
   * The segment and renews its TTL and recency; null when absent.
   *
   * @return fails when Redis does not answer within the timeout
   */
  public Future<CachedSegment> get(String segmentId) {
    String key = key(segmentId);
    // One pipelined round trip, no Lua: a script would copy the value into the Lua VM and back.
    // ZADD XX only renews a member already in the index, so a miss leaves nothing behind.
    return batch(List.of(Request.cmd(Command.GET).arg(key),
        Request.cmd(Command.PEXPIRE).arg(key).arg(ttlMs),
        Request.cmd(Command.ZADD).arg(prefix + "lru").arg("XX").arg(System.currentTimeMillis()).arg(segmentId)))
        .map(replies -> {
          Response r = replies.get(0);
          if (r == null) {
            return null;
          }
          Buffer value = r.toBuffer();
          if (value.length() < SHA_HEX) {
            return null;
          }
          return new CachedSegment(segmentId, value.slice(SHA_HEX, value.length()),
              value.getString(0, SHA_HEX, "US-ASCII"));
        });
  }

  /**
   * Stores a verified segment and evicts least-recently-used entries past the budget.
   *
   * @return entries evicted, or -1 when the segment alone exceeds the budget (not stored)
   */
  public Future<Long> put(CachedSegment segment) {
    Buffer value = Buffer.buffer(SHA_HEX + segment.size()).appendString(segment.sha256(), "US-ASCII")
        .appendBuffer(segment.bytes());
    return script(putSha, PUT_SCRIPT, Request.cmd(Command.EVALSHA).arg(putSha).arg(4).arg(key(segment.segmentId()))
        .arg(prefix + "lru").arg(prefix + "sizes").arg(prefix + "bytes")
        .arg(value).arg(ttlMs).arg(System.currentTimeMillis()).arg(segment.segmentId()).arg(budgetBytes)
        .arg(prefix + "seg:").arg(segment.size()))
        .map(r -> r == null ? 0L : r.toLong());
  }

  /**
   * Removes segments (retired ones) with their accounting, in one atomic script.
   *
   * @return entries that were present
   */
  public Future<Long> remove(List<String> segmentIds) {
    if (segmentIds.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    Request req = Request.cmd(Command.EVALSHA).arg(removeSha).arg(3).arg(prefix + "lru").arg(prefix + "sizes")
        .arg(prefix + "bytes").arg(prefix + "seg:");
    segmentIds.forEach(req::arg);
    return script(removeSha, REMOVE_SCRIPT, req).map(r -> r == null ? 0L : r.toLong());
  }

  /** {@code PING}, for {@code /health}; updates {@link #state()}. */
  public Future<String> ping() {
    return send(Request.cmd(Command.PING)).map(r -> "PONG");
  }

  private Future<Response> script(String sha, String text, Request evalsha) {
    return send(evalsha).recover(e -> {
      if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
        // First use on this server (or after SCRIPT FLUSH): load it and run again.
        return send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(text)).compose(loaded -> send(evalsha));
      }
      return Future.failedFuture(e);
    });
  }

  private Future<List<Response>> batch(List<Request> requests) {
    return redis.batch(requests).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .andThen(ar -> {
          if (ar.succeeded()) {
            state.success();
          } else {
            state.failure(ar.cause());
          }
        });
  }

  private Future<Response> send(Request request) {
    return redis.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .andThen(ar -> {
          if (ar.succeeded()) {
            state.success();
          } else if (!(ar.cause().getMessage() != null && ar.cause().getMessage().startsWith("NOSCRIPT"))) {
            state.failure(ar.cause());
          }
        });
  }

  public Future<Void> close() {
    return redis.close();
  }

  static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
