package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ffmpeg.FFmpegTools;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-ingest end to end (issue 12, item 4): real broker, PostgreSQL, Redis, FFmpeg, origin, two
 * edges, a tracker and two peers. Song A is played through the peers (caches warm in both edges'
 * Redis and PostgreSQL tiers and in both peers), then other audio is ingested under the same song
 * id. Manifests are kept for 10 minutes by edges and peers here, so only the {@code cdn.catalog}
 * listeners can make the new version visible. Every byte any response carries is checked against
 * the manifest that named its segment id: the figure "stale segments served" must be 0.
 */
class ReingestIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final String SONG_ID = "reingest-song";
  static final long RETENTION_MS = 20_000;
  static final HttpClient HTTP = StackEnv.clientBuilder(Duration.ofSeconds(5)).build();

  static Vertx vertx;
  static Ingester ingester;
  static OriginServer origin;
  static final List<EdgeServer> edges = new ArrayList<>();
  static TrackerApp tracker;
  static PeerHost peers;
  static Path songA;
  static Path songB;
  /** Segment id -> SHA-256 of every manifest published in this test; an id must never name two hashes. */
  static final Map<String, String> named = new ConcurrentHashMap<>();
  static final AtomicInteger segmentResponses = new AtomicInteger();
  static final List<String> stale = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void startStack(@TempDir Path tmp) throws Exception {
    songA = tone(tmp, 440, "a.wav");
    songB = tone(tmp, 660, "b.flac");
    vertx = Vertx.vertx();
    String prefix = KAFKA.uniquePrefix("reingest");
    Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix);
    Map<String, String> pg = Map.of("PGHOST", PG.host(), "PGPORT", Integer.toString(PG.port()),
        "PGDATABASE", PG.database(), "PGUSER", PG.user(), "PGPASSWORD", PG.password());

    Map<String, String> originEnv = new HashMap<>(common);
    originEnv.putAll(pg);
    originEnv.putAll(Map.of("HTTP_PORT", "0", "ORIGIN_RENDITIONS", "64k,128k", "ORIGIN_SEGMENT_SECONDS", "2",
        "ORIGIN_RETENTION_MS", Long.toString(RETENTION_MS)));
    OriginConfig originConfig = OriginConfig.from(new Env(originEnv));
    ingester = Ingester.start(vertx, originConfig);
    origin = OriginServer.start(vertx, originConfig);
    String originUrl = "http://127.0.0.1:" + origin.port();

    for (String id : List.of("edge-a", "edge-b")) {
      Map<String, String> env = new HashMap<>(common);
      env.putAll(pg);
      env.putAll(Map.of("HTTP_PORT", "0", "EDGE_ID", id, "REGION", "local", "ORIGIN_URL", originUrl,
          "REDIS_URL", REDIS.url(), "EDGE_REDIS_KEY_PREFIX", REDIS.keyPrefix() + id + ":",
          "EDGE_MANIFEST_TTL_MS", "600000"));
      edges.add(EdgeServer.start(vertx, EdgeConfig.from(new Env(env))));
    }
    Map<String, String> trackerEnv = new HashMap<>(common);
    trackerEnv.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", prefix + "tracker",
        "TRACKER_HEARTBEAT_INTERVAL_MS", "500", "TRACKER_PEER_TTL_MS", "5000",
        "TRACKER_STATE_DIR", tmp.resolve("tracker").toString(), "TRACKER_STANDBY_REPLICAS", "0"));
    tracker = TrackerApp.start(vertx, TrackerConfig.from(new Env(trackerEnv)));

    Map<String, String> peerEnv = new HashMap<>(common);
    peerEnv.putAll(Map.of("PEER_ID_PREFIX", "rp-", "PEER_COUNT", "2", "REGION", "local", "HTTP_PORT", "0",
        "BIND_HOST", "127.0.0.1", "EDGE_URLS", edgeUrl(0) + "," + edgeUrl(1),
        "TRACKER_URL", "http://127.0.0.1:" + tracker.port(), "HEARTBEAT_MS", "500", "READ_AHEAD", "0",
        "MANIFEST_TTL_MS", "600000"));
    peers = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv)));
    await("catalog followers positioned").atMost(Duration.ofSeconds(60)).until(() ->
        peers.catalog().following() && edges.stream().allMatch(e -> e.catalog() != null && e.catalog().following()));
  }

  @AfterAll
  static void stopStack() {
    List<AutoCloseable> all = new ArrayList<>(List.of(peers, tracker));
    all.addAll(edges);
    all.addAll(List.of(origin, ingester));
    Shutdown.closeAll(vertx, all.toArray(AutoCloseable[]::new));
  }

  @Test
  void aReingestNeverServesStaleBytesAndTheOldVersionIsRetiredAfterTheRetention() throws Exception {
    // 1. Song A, played through both peers and both edges: every tier warm.
    Manifest v1 = named(ingester.ingest(songA, SONG_ID, "A").manifest());
    assertThat(v1.version()).isEqualTo(1);
    for (String server : servers()) {
      assertThat(play(server, "64k")).isEqualTo(v1.rendition("64k").segments().size());
    }
    String holder = v1.rendition("64k").segments().get(0).segmentId();
    await("the tracker knows the peers hold song A").atMost(Duration.ofSeconds(30))
        .until(() -> status(trackerUrl() + "/segments/" + holder + "/peers") == 200);
    // A player holding the old playlists (64k played, 128k never fetched by anyone yet).
    String peer2 = peerUrl(1);
    List<String> old64 = playlist(peer2, "64k");
    List<String> old128 = playlist(peer2, "128k");

    // 2. Other audio under the same song id (the new version commits after this instant).
    long reingestStart = System.currentTimeMillis();
    Manifest v2 = named(ingester.ingest(songB, SONG_ID, "B").manifest());
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.rendition("64k").segments()).extracting(Manifest.Segment::segmentId)
        .doesNotContainAnyElementsOf(v1.rendition("64k").segments().stream().map(Manifest.Segment::segmentId).toList());

    // 3. Edges and peers switch to v2 at once (their manifest TTL is 10 min: only cdn.catalog can do it).
    for (String edge : List.of(edgeUrl(0), edgeUrl(1))) {
      await("edge " + edge + " serves version 2").atMost(Duration.ofSeconds(20))
          .until(() -> ManifestJson.parse(body(edge + "/songs/" + SONG_ID)).version() == 2);
    }
    await("the peers' host dropped its version 1 manifest").atMost(Duration.ofSeconds(20))
        .until(() -> peers.catalog().versionsSeen() >= 1);
    for (String server : servers()) {
      for (String rendition : List.of("64k", "128k")) {
        List<String> ids = playlist(server, rendition);
        assertThat(ids).as(server + " " + rendition).containsExactlyElementsOf(
            v2.rendition(rendition).segments().stream().map(Manifest.Segment::segmentId).toList());
        assertThat(play(server, rendition)).isEqualTo(ids.size());
      }
    }

    // 4. The old player finishes its old playlists through its peer, within the retention.
    for (String id : old64) {
      fetch(peer2 + "/segments/" + id);
    }
    for (String id : old128) { // cold everywhere: fetched by name from the origin's retained copy
      fetch(peer2 + "/segments/" + id);
    }

    // 5. After the retention: old segments gone from the edges' tiers, the peers and the tracker.
    List<String> retired = v1.renditions().stream().flatMap(r -> r.segments().stream())
        .map(Manifest.Segment::segmentId).filter(id -> v2.segment(id) == null).toList();
    await("retired segments left the edges' PostgreSQL tier").atMost(Duration.ofMillis(RETENTION_MS + 60_000))
        .pollInterval(Duration.ofMillis(500)).until(() -> edgeRows(retired) == 0);
    // Superseded at the commit, which came after reingestStart (1 s for clocks of JVM and PostgreSQL).
    assertThat(System.currentTimeMillis()).as("not before the retention")
        .isGreaterThanOrEqualTo(reingestStart + RETENTION_MS - 1_000);
    for (String id : retired) {
      for (String server : List.of(edgeUrl(0), edgeUrl(1), peerUrl(0), peerUrl(1))) {
        // An edge answers from Redis and PostgreSQL before asking the origin: 404 = no tier has it.
        assertThat(status(server + "/segments/" + id)).as(server + " " + id).isEqualTo(404);
      }
    }
    for (HostedPeer p : peers.peers()) {
      assertThat(((dev.hybridcdn.peer.host.PeerNode) p).cache().segmentIds()).doesNotContainAnyElementsOf(retired);
    }
    await("the tracker forgot the retired holdings").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String id : retired) {
        assertThat(status(trackerUrl() + "/segments/" + id + "/peers")).as(id).isEqualTo(404);
      }
    });
    assertThat(status(trackerUrl() + "/segments/" + v2.rendition("64k").segments().get(0).segmentId() + "/peers"))
        .isEqualTo(200);

    System.out.printf("re-ingest: %d segment responses checked, stale segments served after a re-ingest: %d%n",
        segmentResponses.get(), stale.size());
    assertThat(stale).as("responses whose bytes differ from the manifest naming the id").isEmpty();
  }

  // --- players and checks

  static List<String> servers() {
    return List.of(peerUrl(0), peerUrl(1), edgeUrl(0), edgeUrl(1));
  }

  /** Plays a rendition through {@code server}: master, media playlist, every segment; returns the segments fetched. */
  static int play(String server, String rendition) throws Exception {
    assertThat(body(server + "/hls/" + SONG_ID + "/master.m3u8")).contains(rendition + "/playlist.m3u8");
    List<String> ids = playlist(server, rendition);
    for (String id : ids) {
      fetch(server + "/segments/" + id);
    }
    return ids.size();
  }

  static List<String> playlist(String server, String rendition) throws Exception {
    String url = server + "/hls/" + SONG_ID + "/" + rendition + "/playlist.m3u8";
    return Playlists.segments(url, body(url)).stream()
        .map(s -> s.uri().substring(s.uri().indexOf("/segments/") + "/segments/".length())).toList();
  }

  /** GETs a segment, asserts 200 and records it as stale when its bytes are not the ones its id was published with. */
  static void fetch(String url) throws Exception {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(url + " " + new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    segmentResponses.incrementAndGet();
    String id = url.substring(url.indexOf("/segments/") + "/segments/".length());
    String expected = named.get(id);
    assertThat(expected).as("a published manifest names " + id).isNotNull();
    if (!sha256(r.body()).equals(expected)) {
      stale.add(url);
    }
  }

  static Manifest named(Manifest m) {
    m.renditions().forEach(r -> r.segments().forEach(s -> {
      String before = named.putIfAbsent(s.segmentId(), s.sha256());
      assertThat(before == null || before.equals(s.sha256())).as("id " + s.segmentId() + " names one content").isTrue();
    }));
    return m;
  }

  static long edgeRows(List<String> ids) throws Exception {
    try (Connection c = PG.connect(); PreparedStatement st = c.prepareStatement(
        "SELECT count(*) FROM edge_segment_cache WHERE segment_id = ANY(?)")) {
      st.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static String edgeUrl(int i) {
    return "http://127.0.0.1:" + edges.get(i).port();
  }

  static String peerUrl(int i) {
    return peers.peers().get(i).baseUrl();
  }

  static String trackerUrl() {
    return "http://127.0.0.1:" + tracker.port();
  }

  static String body(String url) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
    return r.body();
  }

  static int status(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** A 20 s sine tone made by the real FFmpeg (lavfi), as WAV or FLAC by extension. */
  static Path tone(Path dir, int hz, String name) throws Exception {
    return tone(dir, hz, name, 20);
  }

  /** A sine tone of {@code seconds} made by the real FFmpeg (lavfi), as WAV or FLAC by extension (DistributionIT too). */
  static Path tone(Path dir, int hz, String name, int seconds) throws Exception {
    Path out = dir.resolve(name);
    Process p = FFmpegTools.locate(null, null).ffmpeg(List.of("-nostdin", "-v", "error", "-f", "lavfi", "-i",
        "sine=frequency=" + hz + ":duration=" + seconds, "-ar", "44100", out.toString())).redirectErrorStream(true).start();
    String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(msg).isZero();
    return out;
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
