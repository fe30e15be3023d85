package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.tracker.TrackerApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Player tokens (issue 16, item 4) on real servers: origin (FFmpeg ingest), an edge, the tracker and two
 * peers with {@code PLAYER_TOKEN_SECRET} (and {@code CLUSTER_SECRET}, as in docker compose). A player with a
 * token plays through a peer and through the edge following the URIs of the playlists it is served; one
 * without is refused with the envelope's reason; the peers' own requests to each other and to the edge
 * carry tokens they sign, so a segment still travels peer to peer.
 */
class PlayerTokenIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final Path SONG = Path.of("../media/manolo_camp-morning_coffee.mp3");
  static final String SONG_ID = "token-coffee";
  static final String SECRET = TrustSettings.newSecret();
  static final PlayerTokens TOKENS = PlayerTokens.of(SECRET);

  static Vertx vertx;
  static Ingester ingester;
  static OriginServer origin;
  static EdgeServer edge;
  static String edgeUrl;
  static TrackerApp tracker;
  static PeerHost host;
  static WebClient http;

  @BeforeAll
  static void startStack(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    String prefix = KAFKA.uniquePrefix("player-token");
    Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix,
        "CLUSTER_SECRET", TrustSettings.newSecret(), "PLAYER_TOKEN_SECRET", SECRET);
    Services.Origin started = Services.startOrigin(vertx, common, PG, SONG, SONG_ID, "Morning Coffee");
    ingester = started.ingester();
    origin = started.server();

    edge = Services.startEdge(vertx, common, PG, REDIS, "edge-token", started.url(), Map.of());
    edgeUrl = "http://127.0.0.1:" + edge.port();

    tracker = Services.startTracker(vertx, common, prefix, tmp.resolve("tracker"), Map.of("TRACKER_PEER_TTL_MS", "4000"));

    Map<String, String> peerEnv = new HashMap<>(common);
    peerEnv.putAll(Map.of("PEER_COUNT", "2", "HTTP_PORT", "0", "BIND_HOST", "127.0.0.1", "REGION", "local",
        "EDGE_URLS", edgeUrl, "TRACKER_URL", "http://127.0.0.1:" + tracker.port(), "HEARTBEAT_MS", "500",
        "READ_AHEAD", "0", "PEER_TIMEOUT_MS", "3000", "P2P_BUDGET_MS", "6000"));
    peerEnv.put("PLAYER_HEDGE_MS", "0"); // the source of B's segment is asserted: no urgent hedge to the edge
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv)));
  }

  @AfterAll
  static void stopStack() {
    Shutdown.closeAll(vertx, host, tracker, edge, origin, ingester);
  }

  static HttpResponse<Buffer> get(String url, String peerRequester) throws Exception {
    return Services.get(http, url, peerRequester);
  }

  static String token() {
    return TOKENS.sign(CdnPaths.songAcl(SONG_ID), Duration.ofMinutes(5));
  }

  /**
   * What a player does: the master playlist at {@code masterUrl}, the first variant's media playlist,
   * then every segment, each URI resolved against the playlist's URL as written by the server.
   *
   * @return the number of segments fetched
   */
  static int play(String masterUrl) throws Exception {
    HttpResponse<Buffer> master = get(masterUrl, null);
    assertThat(master.statusCode()).as(masterUrl + ": " + master.bodyAsString()).isEqualTo(200);
    String variant = Playlists.variants(masterUrl, master.bodyAsString()).get(0).uri();
    HttpResponse<Buffer> media = get(variant, null);
    assertThat(media.statusCode()).as(variant + ": " + media.bodyAsString()).isEqualTo(200);
    List<Playlists.SegmentEntry> segments = Playlists.segments(variant, media.bodyAsString());
    for (Playlists.SegmentEntry s : segments) {
      HttpResponse<Buffer> seg = get(s.uri(), null);
      assertThat(seg.statusCode()).as(s.uri() + ": " + seg.bodyAsString()).isEqualTo(200);
      assertThat(seg.body().length()).isPositive();
    }
    return segments.size();
  }

  @Test
  void aPlayerWithATokenPlaysThroughAPeerAndThroughTheEdge() throws Exception {
    HostedPeer a = host.peers().get(0);
    String query = "?" + PlayerTokens.PARAM + "=" + token();
    assertThat(play(a.baseUrl() + CdnPaths.master(SONG_ID) + query)).isGreaterThanOrEqualTo(7);
    assertThat(play(edgeUrl + CdnPaths.master(SONG_ID) + query)).isGreaterThanOrEqualTo(7);
  }

  @Test
  void aPlayerWithoutAValidTokenIsRefusedWithTheReason() throws Exception {
    HostedPeer a = host.peers().get(0);
    String segment = firstSegment("64k");
    // held by the peer and hot at the edge first: their answers before the router check tokens too
    for (int i = 0; i < 2; i++) {
      for (String base : List.of(a.baseUrl(), edgeUrl)) {
        assertThat(get(base + segment + "?" + PlayerTokens.PARAM + "=" + token(), null).statusCode()).isEqualTo(200);
      }
    }
    for (String base : List.of(a.baseUrl(), edgeUrl)) {
      for (String path : List.of(CdnPaths.master(SONG_ID), CdnPaths.mediaPlaylist(SONG_ID, "64k"), segment)) {
        assertRefused(get(base + path, null), 401, "token_missing");
      }
      // a peer's request header is no way around it: another peer signs its own requests
      assertRefused(get(base + segment, "someone"), 401, "token_missing");
      String expired = TOKENS.sign(CdnPaths.songAcl(SONG_ID), System.currentTimeMillis() / 1000 - 1);
      assertRefused(get(base + segment + "?token=" + expired, null), 403, "token_expired");
      String otherSong = TOKENS.sign(CdnPaths.songAcl("another-song"), Duration.ofMinutes(5));
      assertRefused(get(base + segment + "?token=" + otherSong, null), 403, "token_wrong_path");
      String tampered = token().replaceFirst("exp=\\d+", "exp=4102444800");
      assertRefused(get(base + segment + "?token=" + tampered, null), 403, "token_tampered");
      String foreign = PlayerTokens.of(TrustSettings.newSecret()).sign(CdnPaths.songAcl(SONG_ID), Duration.ofMinutes(5));
      assertRefused(get(base + segment + "?token=" + foreign, null), 403, "token_tampered");
    }
  }

  @Test
  void peersSignTheirOwnRequestsSoASegmentStillTravelsPeerToPeer() throws Exception {
    HostedPeer a = host.peers().get(0);
    HostedPeer b = host.peers().get(1);
    String segment = firstSegment("192k");
    String query = "?" + PlayerTokens.PARAM + "=" + token();
    HttpResponse<Buffer> fromEdge = get(a.baseUrl() + segment + query, null);
    assertThat(fromEdge.statusCode()).as(fromEdge.bodyAsString()).isEqualTo(200);
    String segmentId = CdnPaths.segmentIdOf(segment);
    await("the tracker lists A as a holder").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          HttpResponse<Buffer> r = get("http://127.0.0.1:" + tracker.port() + "/segments/" + segmentId
              + "/peers?exclude=" + b.id(), null);
          return r.statusCode() == 200 && r.bodyAsString().contains(a.id());
        });
    HttpResponse<Buffer> fromPeer = get(b.baseUrl() + segment + query, null);
    assertThat(fromPeer.statusCode()).as(fromPeer.bodyAsString()).isEqualTo(200);
    assertThat(fromPeer.getHeader(CdnHeaders.SOURCE)).isEqualTo("peer");
    assertThat(fromPeer.getHeader(CdnHeaders.PEER)).isEqualTo(a.id());
    assertThat(fromPeer.body()).isEqualTo(fromEdge.body());
  }

  @Test
  void ffmpegPlaysTheWholeSongFromASignedUrl(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    HostedPeer a = host.startPeer(host.config().template().withIdentity("ffmpeg-peer", "local", 0));
    Services.ffmpegDecodesTheWholeSong(a.baseUrl() + CdnPaths.master(SONG_ID) + "?" + PlayerTokens.PARAM + "=" + token(),
        tmp);
  }

  static String firstSegment(String rendition) throws Exception {
    JsonObject manifest = get(edgeUrl + CdnPaths.song(SONG_ID), null).bodyAsJsonObject();
    for (Object r : manifest.getJsonArray("renditions")) {
      JsonObject rj = (JsonObject) r;
      if (rj.getString("name").equals(rendition)) {
        return CdnPaths.segment(rj.getJsonArray("segments").getJsonObject(0).getString("segmentId"));
      }
    }
    throw new AssertionError("no rendition " + rendition);
  }

  static void assertRefused(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
  }
}
