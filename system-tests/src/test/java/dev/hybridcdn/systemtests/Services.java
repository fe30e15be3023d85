package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ffmpeg.FFmpegTools;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The configurations the system tests start the origin and edges from, and what a real player checks. */
final class Services {
  private Services() {}

  /** libpq variables of the test class's PostgreSQL database. */
  static Map<String, String> pgEnv(PostgresExtension pg) {
    return Map.of("PGHOST", pg.host(), "PGPORT", Integer.toString(pg.port()), "PGDATABASE", pg.database(),
        "PGUSER", pg.user(), "PGPASSWORD", pg.password());
  }

  /** An origin on a free port: {@code common}, the PostgreSQL variables, then {@code extra}. */
  static OriginConfig originConfig(Map<String, String> common, PostgresExtension pg, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(pgEnv(pg));
    env.put("HTTP_PORT", "0");
    env.putAll(extra);
    return OriginConfig.from(new Env(env));
  }

  /** A running origin and the ingester that filled it. */
  record Origin(Ingester ingester, OriginServer server) {
    String url() {
      return "http://127.0.0.1:" + server.port();
    }
  }

  /** An origin on a free port with one song ingested (FFmpeg) from {@code audio} as {@code songId}. */
  static Origin startOrigin(Vertx vertx, Map<String, String> common, PostgresExtension pg, Path audio, String songId,
      String title) {
    OriginConfig config = originConfig(common, pg, Map.of());
    Ingester ingester = Ingester.start(vertx, config);
    OriginServer server = OriginServer.start(vertx, config);
    ingester.ingest(audio, songId, title);
    return new Origin(ingester, server);
  }

  /**
   * A tracker instance on a free port, application id {@code <prefix>tracker}, heartbeats every 500 ms, no
   * standby, its state under {@code stateDir}: {@code common}, those, then {@code extra}.
   */
  static TrackerApp startTracker(Vertx vertx, Map<String, String> common, String prefix, Path stateDir,
      Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", prefix + "tracker", "TRACKER_HEARTBEAT_INTERVAL_MS",
        "500", "TRACKER_STATE_DIR", stateDir.toString(), "TRACKER_STANDBY_REPLICAS", "0"));
    env.putAll(extra);
    return TrackerApp.start(vertx, TrackerConfig.from(new Env(env)));
  }

  /**
   * An edge on a free port in front of {@code originUrl}, with the test class's PostgreSQL database and Redis
   * key prefix: {@code common}, those, then {@code extra}.
   */
  static EdgeServer startEdge(Vertx vertx, Map<String, String> common, PostgresExtension pg, RedisExtension redis,
      String edgeId, String originUrl, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(pgEnv(pg));
    env.putAll(Map.of("HTTP_PORT", "0", "EDGE_ID", edgeId, "ORIGIN_URL", originUrl, "REDIS_URL", redis.url(),
        "EDGE_REDIS_KEY_PREFIX", redis.keyPrefix()));
    env.putAll(extra);
    return EdgeServer.start(vertx, EdgeConfig.from(new Env(env)));
  }

  /** A GET with a bound of 60 s; with {@code peerRequester}, as that peer asks (peer-request header). */
  static HttpResponse<Buffer> get(WebClient http, String url, String peerRequester) throws Exception {
    var req = http.getAbs(url);
    if (peerRequester != null) {
      req.putHeader(CdnHeaders.PEER_REQUEST, peerRequester);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * FFmpeg reads {@code masterUrl} as a player does and decodes the first audio stream to a WAV file: exit 0, no
   * error printed, the whole song (1:13 of the shipped morning-coffee track) in more than 1 MB.
   */
  static void ffmpegDecodesTheWholeSong(String masterUrl, Path tmp) throws Exception {
    FFmpegTools tools = FFmpegTools.locate(null, null);
    Path wav = tmp.resolve("song.wav");
    Process ff = tools.ffmpeg(List.of("-nostdin", "-v", "error", "-i", masterUrl, "-map", "0:a:0", "-c:a", "pcm_s16le",
        "-y", wav.toString())).redirectErrorStream(true).start();
    String out = new String(ff.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ff.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(ff.exitValue()).as(out).isZero();
    assertThat(out).as("ffmpeg reported errors").isBlank();
    Process probe = tools.ffprobe(List.of("-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
        wav.toString())).redirectErrorStream(true).start();
    String duration = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    probe.waitFor(30, TimeUnit.SECONDS);
    assertThat(Double.parseDouble(duration)).as("the whole song, 1:13").isBetween(70.0, 76.0);
    assertThat(Files.size(wav)).isGreaterThan(1_000_000);
  }
}
