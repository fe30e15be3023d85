package dev.hybridcdn.origin.store;

import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.servicekit.config.PgSettings;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.SongSummary;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The origin's PostgreSQL storage through vertx-pg-client: songs, renditions, playlists and
 * segment bytes ({@code bytea}). Tables are prefixed {@code origin_} so the origin can share a
 * database with other services. Every read is bounded by {@link OriginConfig#dbTimeout()}: a
 * PostgreSQL that is down or hangs fails the future with {@link StoreUnavailableException}.
 *
 * <p>Schema ({@link #migrate()}, version in {@code origin_schema_version}):
 * <pre>
 * origin_songs(song_id PK, title, duration_ms, ingested_at, version)      version = current content version
 * origin_renditions(song_id, name, bitrate_kbps, codec, position)          PK (song_id, name)
 * origin_playlists(song_id, name, body)       name = 'master' or a rendition; PK (song_id, name)
 * origin_segments(song_id, rendition, file, idx, duration_ms, bytes, sha256, data bytea, version, superseded_at,
 *                 chunk_bytes, chunk_sha256 text[])   chunk columns NULL for segments stored before chunks
 *                                              PK (song_id, rendition, file)
 * </pre>
 * A segment row's {@code version} is the newest song version naming it; {@code superseded_at} is set
 * when a newer version stopped naming it, and {@link #retireSuperseded} deletes it a retention period
 * later. Renditions and playlists hold the current version only.
 */
public final class OriginStore implements AutoCloseable {
  /** NOTIFY channel carrying the song id of every committed (re-)ingest, for cache invalidation. */
  public static final String CHANGED_CHANNEL = "origin_song_changed";

  private static final List<String> MIGRATIONS = List.of(
      // v1
      """
      CREATE TABLE origin_songs (
        song_id text PRIMARY KEY,
        title text NOT NULL,
        duration_ms bigint NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE origin_renditions (
        song_id text NOT NULL REFERENCES origin_songs(song_id) ON DELETE CASCADE,
        name text NOT NULL,
        bitrate_kbps int NOT NULL,
        codec text NOT NULL,
        position int NOT NULL,
        PRIMARY KEY (song_id, name));
      CREATE TABLE origin_playlists (
        song_id text NOT NULL REFERENCES origin_songs(song_id) ON DELETE CASCADE,
        name text NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (song_id, name));
      CREATE TABLE origin_segments (
        song_id text NOT NULL,
        rendition text NOT NULL,
        idx int NOT NULL,
        file text NOT NULL,
        duration_ms bigint NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (song_id, rendition, idx),
        UNIQUE (song_id, rendition, file),
        FOREIGN KEY (song_id, rendition) REFERENCES origin_renditions(song_id, name) ON DELETE CASCADE);
      """,
      // v2 (issue 12, content versions): a song has a current version; segments are keyed by their
      // content-addressed file and outlive the version that named them by the retention period.
      """
      ALTER TABLE origin_songs ADD COLUMN version bigint NOT NULL DEFAULT 1;
      ALTER TABLE origin_segments DROP CONSTRAINT origin_segments_song_id_rendition_fkey;
      ALTER TABLE origin_segments DROP CONSTRAINT origin_segments_song_id_rendition_file_key;
      ALTER TABLE origin_segments DROP CONSTRAINT origin_segments_pkey;
      ALTER TABLE origin_segments ADD PRIMARY KEY (song_id, rendition, file);
      ALTER TABLE origin_segments ADD COLUMN version bigint NOT NULL DEFAULT 1;
      ALTER TABLE origin_segments ADD COLUMN superseded_at timestamptz;
      CREATE INDEX origin_segments_current ON origin_segments (song_id, version);
      CREATE INDEX origin_segments_superseded ON origin_segments (superseded_at) WHERE superseded_at IS NOT NULL;
      """,
      // v3 (issue 14, chunked multi-source download): chunk size and a SHA-256 per chunk; rows written
      // before stay NULL and their segments are fetched whole.
      """
      ALTER TABLE origin_segments ADD COLUMN chunk_bytes int;
      ALTER TABLE origin_segments ADD COLUMN chunk_sha256 text[];
      """);

  /** A segment's bytes and identity. */
  public record SegmentData(Buffer data, String sha256) {}

  /** Everything one ingest stores. */
  public record SongContent(Manifest manifest, String masterPlaylist, Map<String, String> mediaPlaylists,
      Map<String, List<Buffer>> segmentBytes) {}

  private final Vertx vertx;
  private final Pool pool;
  private final OriginConfig config;
  private final long timeoutMs;

  public OriginStore(Vertx vertx, OriginConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.timeoutMs = config.dbTimeout().toMillis();
    NetClientOptions net = new NetClientOptions().setConnectTimeout((int) timeoutMs);
    this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.dbPoolSize())
            .setConnectionTimeout((int) timeoutMs).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setMaxWaitQueueSize(10_000).setName("origin-pg"))
        .with(net).connectingTo(connectOptions(config)).using(vertx).build();
  }

  /** Connection settings from the libpq variables of the config. */
  public static PgConnectOptions connectOptions(OriginConfig config) {
    PgSettings pg = config.pg();
    return new PgConnectOptions().setHost(pg.host()).setPort(pg.port())
        .setDatabase(pg.database()).setUser(pg.user()).setPassword(pg.password())
        .setCachePreparedStatements(true);
  }

  /** {@code host:port/database}, for messages. */
  public String where() {
    return config.pg().where();
  }

  public Pool pool() {
    return pool;
  }

  /**
   * Creates or upgrades the schema to the newest version. Safe to run from several processes at
   * once (a transaction-scoped advisory lock serialises them).
   */
  public Future<Integer> migrate() {
    return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(7720081)").execute()
        // Checked first rather than CREATE ... IF NOT EXISTS, whose NOTICE the client logs as a warning.
        .compose(x -> conn.query("SELECT to_regclass('origin_schema_version') IS NOT NULL AS present").execute())
        .compose(rows -> rows.iterator().next().getBoolean("present") ? Future.succeededFuture()
            : conn.query("CREATE TABLE origin_schema_version (version int PRIMARY KEY, "
                + "applied_at timestamptz NOT NULL DEFAULT now())").execute().mapEmpty())
        .compose(x -> conn.query("SELECT coalesce(max(version), 0) AS v FROM origin_schema_version").execute())
        .compose(rows -> applyFrom(conn, rows.iterator().next().getInteger("v"))));
  }

  private Future<Integer> applyFrom(SqlConnection conn, int current) {
    Future<Void> chain = Future.succeededFuture();
    for (int v = current + 1; v <= MIGRATIONS.size(); v++) {
      int version = v;
      chain = chain.compose(x -> conn.query(MIGRATIONS.get(version - 1)).execute())
          .compose(x -> conn.preparedQuery("INSERT INTO origin_schema_version(version) VALUES ($1)")
              .execute(Tuple.of(version)))
          .mapEmpty();
    }
    return chain.map(x -> MIGRATIONS.size());
  }

  /**
   * Publishes {@code content} as the song's next version in one transaction: the song row's version
   * goes up by one (1 for a new song), its renditions and playlists are replaced, its segments are
   * inserted (a file the song already has, identical bytes by its content-addressed name, is kept and
   * moves to the new version), segments of earlier versions the new one does not name are marked
   * superseded (served until retired), and {@link #CHANGED_CHANNEL} is notified. Either everything
   * commits or nothing changes; readers see the old version or the new one, never a mix. Concurrent
   * ingests of one song id are serialised.
   *
   * @return the version now current
   */
  public Future<Long> replaceSong(SongContent content) {
    Manifest m = content.manifest();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
        .execute(Tuple.of("origin-song:" + m.songId()))
        .compose(x -> conn.preparedQuery("INSERT INTO origin_songs(song_id, title, duration_ms, version) "
                + "VALUES ($1, $2, $3, 1) ON CONFLICT (song_id) DO UPDATE SET title = EXCLUDED.title, "
                + "duration_ms = EXCLUDED.duration_ms, ingested_at = now(), version = origin_songs.version + 1 "
                + "RETURNING version")
            .execute(Tuple.of(m.songId(), m.title(), m.durationMs())))
        .compose(versionRows -> {
          long version = versionRows.iterator().next().getLong("version");
          return conn.preparedQuery("DELETE FROM origin_renditions WHERE song_id = $1").execute(Tuple.of(m.songId()))
              .compose(x -> conn.preparedQuery("DELETE FROM origin_playlists WHERE song_id = $1")
                  .execute(Tuple.of(m.songId())))
              .compose(x -> insertLadder(conn, content))
              .compose(x -> insertSegments(conn, content, version))
              .compose(x -> conn.preparedQuery("UPDATE origin_segments SET superseded_at = now() "
                  + "WHERE song_id = $1 AND version < $2 AND superseded_at IS NULL")
                  .execute(Tuple.of(m.songId(), version)))
              .compose(x -> conn.preparedQuery("SELECT pg_notify($1, $2)")
                  .execute(Tuple.of(CHANGED_CHANNEL, m.songId())))
              .map(x -> version);
        }));
  }

  private static Future<Void> insertLadder(SqlConnection conn, SongContent content) {
    Manifest m = content.manifest();
    List<Tuple> rs = new ArrayList<>();
    List<Tuple> pls = new ArrayList<>();
    pls.add(Tuple.of(m.songId(), "master", content.masterPlaylist()));
    int pos = 0;
    for (Manifest.Rendition r : m.renditions()) {
      rs.add(Tuple.of(m.songId(), r.name(), r.bitrateKbps(), r.codec(), pos++));
      pls.add(Tuple.of(m.songId(), r.name(), content.mediaPlaylists().get(r.name())));
    }
    return conn.preparedQuery("INSERT INTO origin_renditions(song_id, name, bitrate_kbps, codec, position) "
            + "VALUES ($1, $2, $3, $4, $5)").executeBatch(rs)
        .compose(y -> conn.preparedQuery("INSERT INTO origin_playlists(song_id, name, body) VALUES ($1, $2, $3)")
            .executeBatch(pls))
        .mapEmpty();
  }

  private static Future<Void> insertSegments(SqlConnection conn, SongContent content, long version) {
    Manifest m = content.manifest();
    Future<Void> chain = Future.succeededFuture();
    for (Manifest.Rendition r : m.renditions()) {
      List<Buffer> bytes = content.segmentBytes().get(r.name());
      List<Tuple> segs = new ArrayList<>();
      for (Manifest.Segment s : r.segments()) {
        String file = s.segmentId().substring(s.segmentId().lastIndexOf('/') + 1);
        Manifest.Chunks c = s.chunks();
        segs.add(Tuple.tuple(Arrays.asList(m.songId(), r.name(), s.index(), file, s.durationMs(), s.bytes(),
            s.sha256(), bytes.get(s.index()), version, c == null ? null : c.chunkBytes(),
            c == null ? null : c.sha256().toArray(String[]::new))));
      }
      // Same file = same bytes (content-addressed names): the row is kept and moves to this version.
      chain = chain.compose(y -> conn.preparedQuery("INSERT INTO origin_segments(song_id, rendition, idx, file, "
          + "duration_ms, bytes, sha256, data, version, chunk_bytes, chunk_sha256) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
          + "ON CONFLICT (song_id, rendition, file) DO UPDATE SET version = EXCLUDED.version, superseded_at = NULL, "
          + "idx = EXCLUDED.idx, duration_ms = EXCLUDED.duration_ms, "
          + "chunk_bytes = EXCLUDED.chunk_bytes, chunk_sha256 = EXCLUDED.chunk_sha256").executeBatch(segs).mapEmpty());
    }
    return chain;
  }

  /**
   * Retires a song or shared file at once ({@code cdn retire}, issue 14): in one transaction its
   * song row goes (with renditions and playlists: the manifest is 404 from now on) and every segment
   * it still has is marked superseded as of the distant past, so the next {@link #retireSuperseded}
   * sweep deletes them and announces SongRetired (edges and peers evict, the tracker forgets).
   *
   * @return false when the id is unknown (nothing changed)
   */
  public Future<Boolean> retireSong(String songId) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
        .execute(Tuple.of("origin-song:" + songId))
        .compose(x -> conn.preparedQuery("UPDATE origin_segments SET superseded_at = '-infinity' WHERE song_id = $1")
            .execute(Tuple.of(songId)))
        .compose(x -> conn.preparedQuery("DELETE FROM origin_songs WHERE song_id = $1").execute(Tuple.of(songId)))
        .compose(deleted -> deleted.rowCount() == 0 ? Future.succeededFuture(false)
            : conn.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANGED_CHANNEL, songId)).map(true)));
  }

  /** Segments a retirement deleted: every id named last by {@code version} of {@code songId}. */
  public record Retired(String songId, long version, List<String> segmentIds) {}

  /**
   * Deletes the segments superseded at least {@code retentionMs} ago, one song version at a time,
   * and hands each batch to {@code announce} before the delete commits: when {@code announce} fails
   * (Kafka away), nothing is deleted and the batch is retried by the next call. Rows are locked with
   * {@code SKIP LOCKED}, so two origins sweeping at once never announce one batch twice.
   *
   * @param announce publishes SongRetired for a batch; its failure rolls the batch back
   * @return the batches retired
   */
  public Future<List<Retired>> retireSuperseded(long retentionMs, java.util.function.Function<Retired, Future<Void>> announce) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT song_id, rendition, file, version FROM origin_segments "
            + "WHERE superseded_at IS NOT NULL AND superseded_at <= now() - make_interval(secs => $1) "
            + "ORDER BY song_id, version LIMIT 10000 FOR UPDATE SKIP LOCKED")
        .execute(Tuple.of(retentionMs / 1000.0))
        .compose(rows -> {
          Map<String, Retired> batches = new LinkedHashMap<>();
          List<Tuple> keys = new ArrayList<>();
          for (Row row : rows) {
            String songId = row.getString("song_id");
            long version = row.getLong("version");
            batches.computeIfAbsent(songId + "@" + version, k -> new Retired(songId, version, new ArrayList<>()))
                .segmentIds().add(songId + "/" + row.getString("rendition") + "/" + row.getString("file"));
            keys.add(Tuple.of(songId, row.getString("rendition"), row.getString("file")));
          }
          if (keys.isEmpty()) {
            return Future.succeededFuture(List.<Retired>of());
          }
          List<Retired> out = batches.values().stream()
              .map(b -> new Retired(b.songId(), b.version(), List.copyOf(b.segmentIds()))).toList();
          return conn.preparedQuery("DELETE FROM origin_segments WHERE song_id = $1 AND rendition = $2 AND file = $3")
              .executeBatch(keys)
              .compose(x -> {
                Future<Void> chain = Future.succeededFuture();
                for (Retired r : out) {
                  chain = chain.compose(y -> announce.apply(r));
                }
                return chain;
              })
              .compose(x -> conn.preparedQuery("SELECT pg_notify($1, $2)")
                  .executeBatch(out.stream().map(r -> Tuple.of(CHANGED_CHANNEL, r.songId())).distinct().toList()))
              .map(x -> out);
        }));
  }

  /** A segment's bytes, or empty when the song, rendition or file is unknown. */
  public Future<Optional<SegmentData>> segment(String songId, String rendition, String file) {
    return bounded(pool.preparedQuery("SELECT data, sha256 FROM origin_segments WHERE song_id = $1 AND rendition = $2 "
            + "AND file = $3").execute(Tuple.of(songId, rendition, file))
        .map(rows -> rows.size() == 0 ? Optional.<SegmentData>empty()
            : Optional.of(new SegmentData(rows.iterator().next().getBuffer("data"),
                rows.iterator().next().getString("sha256")))));
  }

  /** A playlist body ({@code master} or a rendition name), or empty. */
  public Future<Optional<String>> playlist(String songId, String name) {
    return bounded(pool.preparedQuery("SELECT body FROM origin_playlists WHERE song_id = $1 AND name = $2")
        .execute(Tuple.of(songId, name))
        .map(rows -> rows.size() == 0 ? Optional.<String>empty() : Optional.of(rows.iterator().next().getString("body"))));
  }

  /** Every song, ordered by song id. */
  public Future<List<SongSummary>> songs() {
    return bounded(pool.query("SELECT s.song_id, s.title, s.duration_ms, "
            + "array_agg(r.name ORDER BY r.position) AS renditions FROM origin_songs s "
            + "LEFT JOIN origin_renditions r ON r.song_id = s.song_id GROUP BY s.song_id ORDER BY s.song_id").execute()
        .map(rows -> {
          List<SongSummary> out = new ArrayList<>();
          for (Row row : rows) {
            String[] names = row.getArrayOfStrings("renditions");
            List<String> rs = new ArrayList<>();
            if (names != null) {
              for (String n : names) {
                if (n != null) {
                  rs.add(n);
                }
              }
            }
            out.add(new SongSummary(row.getString("song_id"), row.getString("title"), row.getLong("duration_ms"), rs));
          }
          return out;
        }));
  }

  /**
   * The manifest of the song's current version (segment metadata, no bytes), or empty. One
   * statement, so it sees one committed version, never a mix.
   */
  public Future<Optional<Manifest>> manifest(String songId) {
    return bounded(pool.preparedQuery("SELECT g.title, g.duration_ms, g.version, r.name, r.bitrate_kbps, r.codec, "
            + "s.idx, s.file, s.duration_ms AS seg_ms, s.bytes, s.sha256, s.chunk_bytes, s.chunk_sha256 FROM origin_songs g "
            + "LEFT JOIN origin_renditions r ON r.song_id = g.song_id "
            + "LEFT JOIN origin_segments s ON s.song_id = r.song_id AND s.rendition = r.name AND s.version = g.version "
            + "WHERE g.song_id = $1 ORDER BY r.position, s.idx")
        .execute(Tuple.of(songId))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.<Manifest>empty();
          }
          Map<String, List<Manifest.Segment>> segs = new LinkedHashMap<>();
          Map<String, Row> heads = new LinkedHashMap<>();
          Row song = null;
          for (Row row : rows) {
            song = song == null ? row : song;
            String name = row.getString("name");
            if (name == null) {
              continue;
            }
            heads.putIfAbsent(name, row);
            List<Manifest.Segment> list = segs.computeIfAbsent(name, k -> new ArrayList<>());
            if (row.getString("file") != null) {
              Integer chunkBytes = row.getInteger("chunk_bytes");
              String[] chunkShas = row.getArrayOfStrings("chunk_sha256");
              list.add(new Manifest.Segment(songId + "/" + name + "/" + row.getString("file"),
                  row.getInteger("idx"), row.getLong("seg_ms"), row.getLong("bytes"), row.getString("sha256"),
                  chunkBytes == null || chunkShas == null ? null : new Manifest.Chunks(chunkBytes, List.of(chunkShas))));
            }
          }
          List<Manifest.Rendition> renditions = new ArrayList<>();
          heads.forEach((name, head) -> renditions.add(new Manifest.Rendition(name,
              head.getInteger("bitrate_kbps"), head.getString("codec"), segs.get(name))));
          return Optional.of(new Manifest(songId, song.getString("title"), song.getLong("duration_ms"),
              song.getLong("version"), renditions));
        }));
  }

  /** {@code SELECT 1}, bounded; fails when PostgreSQL does not answer. */
  public Future<Void> ping() {
    return bounded(pool.query("SELECT 1").execute().mapEmpty());
  }

  /** Bounds a read by the configured timeout and marks storage failures as such. */
  private <T> Future<T> bounded(Future<T> f) {
    return f.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(new StoreUnavailableException(
            "PostgreSQL at " + where() + " did not answer: " + e.getMessage(), e)));
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    pool.close();
  }
}
