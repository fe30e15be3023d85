package dev.hybridcdn.edge.cache;

import dev.hybridcdn.servicekit.config.PgSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The edge's PostgreSQL cache tier: table {@value #TABLE}, one row per (edge id, segment id), so
 * several edges share one database without sharing rows. Each edge's rows stay within its byte
 * budget: after every store, the least-recently-used rows (by {@code last_access_ms}, renewed on
 * every hit) beyond the budget are deleted in one statement.
 *
 * <p>The table is created on first use ({@code CREATE TABLE IF NOT EXISTS}), not at start, so an
 * edge starts and serves while PostgreSQL is down and picks the tier up when it comes back. Every
 * query is bounded by {@code timeout}; failures mark {@link #state()} down.
 */
public final class PgCacheTier {
  public static final String TABLE = "edge_segment_cache";

  private static final String DDL = "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
      + " edge_id text NOT NULL,"
      + " segment_id text NOT NULL,"
      + " sha256 text NOT NULL,"
      + " size_bytes integer NOT NULL,"
      + " data bytea NOT NULL,"
      + " last_access_ms bigint NOT NULL,"
      + " PRIMARY KEY (edge_id, segment_id))";
  private static final String INDEX = "CREATE INDEX IF NOT EXISTS " + TABLE + "_lru ON " + TABLE
      + " (edge_id, last_access_ms)";
  private static final String GET = "UPDATE " + TABLE + " SET last_access_ms = $3"
      + " WHERE edge_id = $1 AND segment_id = $2 RETURNING sha256, data";
  private static final String PUT = "INSERT INTO " + TABLE
      + " (edge_id, segment_id, sha256, size_bytes, data, last_access_ms) VALUES ($1, $2, $3, $4, $5, $6)"
      + " ON CONFLICT (edge_id, segment_id) DO UPDATE SET sha256 = EXCLUDED.sha256,"
      + " size_bytes = EXCLUDED.size_bytes, data = EXCLUDED.data, last_access_ms = EXCLUDED.last_access_ms";
  // Keeps the most recently used rows whose running total fits the budget; deletes the rest.
  private static final String EVICT = "DELETE FROM " + TABLE + " c USING ("
      + " SELECT segment_id FROM (SELECT segment_id, sum(size_bytes) OVER"
      + " (ORDER BY last_access_ms DESC, segment_id) AS running FROM " + TABLE + " WHERE edge_id = $1) r"
      + " WHERE r.running > $2) old WHERE c.edge_id = $1 AND c.segment_id = old.segment_id";
  private static final String REMOVE = "DELETE FROM " + TABLE + " WHERE edge_id = $1 AND segment_id = ANY($2)";
  private static final String HELD = "SELECT coalesce(sum(size_bytes), 0) AS held FROM " + TABLE + " WHERE edge_id = $1";

  private final Pool pool;
  private final String edgeId;
  private final long budgetBytes;
  private final long timeoutMs;
  private final DependencyState state = new DependencyState("postgres", 1000);
  private final AtomicReference<Future<Void>> schema = new AtomicReference<>();

  /**
   * @param budgetBytes segment bytes this edge may keep in the table
   * @param timeout bound on one query (and on getting a connection)
   */
  public PgCacheTier(Vertx vertx, PgSettings pg, String edgeId, long budgetBytes, Duration timeout,
      int poolSize) {
    PgConnectOptions connect = new PgConnectOptions().setHost(pg.host()).setPort(pg.port())
        .setDatabase(pg.database()).setUser(pg.user()).setPassword(pg.password())
        .setCachePreparedStatements(true);
    connect.setReconnectAttempts(0);
    this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize).setMaxWaitQueueSize(10_000)
            .setConnectionTimeout((int) Math.max(1, timeout.toMillis())).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect).using(vertx).build();
    this.edgeId = edgeId;
    this.budgetBytes = budgetBytes;
    this.timeoutMs = timeout.toMillis();
  }

  public DependencyState state() {
    return state;
  }

  /** The segment, renewing its recency; null when this edge has no row for it. */
  public Future<CachedSegment> get(String segmentId) {
    return ready().compose(v -> bounded(pool.preparedQuery(GET)
            .execute(Tuple.of(edgeId, segmentId, System.currentTimeMillis()))))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          Buffer data = row.getBuffer("data");
          return new CachedSegment(segmentId, data, row.getString("sha256"));
        });
  }

  /**
   * Stores a verified segment, then deletes this edge's least-recently-used rows past the budget.
   *
   * @return rows evicted, or -1 when the segment alone exceeds the budget (not stored)
   */
  public Future<Integer> put(CachedSegment segment) {
    if (segment.size() > budgetBytes) {
      return Future.succeededFuture(-1);
    }
    return ready()
        .compose(v -> bounded(pool.preparedQuery(PUT).execute(Tuple.of(edgeId, segment.segmentId(), segment.sha256(),
            segment.size(), segment.bytes(), System.currentTimeMillis()))))
        .compose(v -> bounded(pool.preparedQuery(EVICT).execute(Tuple.of(edgeId, budgetBytes))))
        .map(RowSet::rowCount);
  }

  /**
   * Deletes this edge's rows of the given segments (retired ones).
   *
   * @return rows deleted
   */
  public Future<Integer> remove(List<String> segmentIds) {
    if (segmentIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return ready().compose(v -> bounded(pool.preparedQuery(REMOVE)
            .execute(Tuple.tuple().addString(edgeId).addArrayOfString(segmentIds.toArray(new String[0])))))
        .map(RowSet::rowCount);
  }

  /** Segment bytes this edge holds in the table. */
  public Future<Long> bytesHeld() {
    return ready().compose(v -> bounded(pool.preparedQuery(HELD).execute(Tuple.of(edgeId))))
        .map(rows -> rows.iterator().next().getLong("held"));
  }

  /** {@code SELECT 1}, for {@code /health}; updates {@link #state()}. */
  public Future<String> ping() {
    return bounded(pool.query("SELECT 1").execute()).map(r -> "ok");
  }

  private Future<Void> ready() {
    Future<Void> current = schema.get();
    if (current != null && !current.failed()) {
      return current;
    }
    Future<Void> created = bounded(pool.query(DDL).execute())
        .recover(PgCacheTier::ignoreCreateRace)
        .compose(v -> bounded(pool.query(INDEX).execute()))
        .recover(PgCacheTier::ignoreCreateRace)
        .mapEmpty();
    schema.set(created);
    return created;
  }

  // Two edges creating the table at once: one of them gets a unique violation on pg_type.
  private static <T> Future<T> ignoreCreateRace(Throwable e) {
    if (e instanceof PgException pg && ("23505".equals(pg.getSqlState()) || "42P07".equals(pg.getSqlState()))) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(e);
  }

  private <T> Future<T> bounded(Future<T> query) {
    return query.timeout(timeoutMs, TimeUnit.MILLISECONDS).andThen(ar -> {
      if (ar.succeeded()) {
        state.success();
      } else {
        state.failure(ar.cause());
      }
    });
  }

  public Future<Void> close() {
    return pool.close();
  }
}
