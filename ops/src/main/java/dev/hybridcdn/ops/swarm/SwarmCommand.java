package dev.hybridcdn.ops.swarm;

import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.ReportOptions;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cdn swarm}: simulated players against any running stack. */
@Command(name = "swarm", mixinStandardHelpOptions = true,
    description = "Run simulated players (Zipf songs, paced playback) against a stack.", usageHelpWidth = 120)
public final class SwarmCommand implements Callable<Integer> {
  /** Players when {@code --players} is not given: a light load for a stack that is not this JVM's. */
  static final int DEFAULT_PLAYERS = 20;

  @Option(names = "--origin", description = "Catalogue URL (GET /songs); default ORIGIN_URL.")
  String origin;
  @Option(names = "--peers", split = ",", description = "Peer base URLs; default PEER_URLS, else the tracker's /peers.")
  List<String> peerUrls;
  @Option(names = "--tracker", description = "Tracker URL to list live peers; default TRACKER_URL.")
  String tracker;
  @Mixin
  PlayerOptions playerOptions;
  @Option(names = "--songs", description = "Songs per player (default 1).")
  int songs = 1;
  @Option(names = "--max-segments", description = "Segments played per song, 0 = all (default 0).")
  int maxSegments;
  @Option(names = "--rendition", description = "Rendition every player picks (default: random).")
  String rendition;
  @Mixin
  ReportOptions report;

  @Override
  public Integer call() throws Exception {
    Env env = new Env(StackEnv.load());
    String originUrl = origin != null ? origin : env.httpUrl("ORIGIN_URL", "http://127.0.0.1:8081");
    List<PeerRef> peers = peers(env);
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("no peers: pass --peers URL,URL or --tracker URL");
    }
    SwarmOptions o = playerOptions.applyTo(SwarmOptions.defaults().withPlayers(DEFAULT_PLAYERS))
        .withSongs(songs, maxSegments).withRendition(rendition);
    o = o.withRamp(Duration.ofSeconds(Math.min(10, o.players())));
    System.err.printf("• %d players against %d peers, catalogue %s%n", o.players(), peers.size(), originUrl);
    Swarm.Result result;
    // Players sign their song's token when the stack has a secret (PLAYER_TOKEN_SECRET, or .cdn/stack.env).
    try (Swarm swarm = new Swarm(originUrl, new PeerDirectory(peers), null, o, StackEnv.clientTls(),
        PlayerTokens.from(env))) {
      result = swarm.run();
    }
    DeliveryAnalysis a = result.analysis();
    Summary s = a.summary(10);
    report.print(s, a.allLatency());
    return s.failures() == 0 ? 0 : Cdn.EXIT_CHECK;
  }

  private List<PeerRef> peers(Env env) throws Exception {
    List<PeerRef> out = new ArrayList<>();
    List<String> urls = peerUrls != null ? peerUrls : env.httpUrls("PEER_URLS", null);
    if (!urls.isEmpty()) {
      for (String u : urls) {
        URI uri = URI.create(u.strip());
        out.add(new PeerRef(uri.getHost() + ":" + uri.getPort(), "unknown", u.strip().replaceAll("/$", "")));
      }
      return out;
    }
    String trackerUrl = tracker != null ? tracker : env.httpUrl("TRACKER_URL", "http://127.0.0.1:7070");
    Vertx vertx = Vertx.vertx();
    try {
      var r = WebClient.create(vertx, StackEnv.clientTls().client(new WebClientOptions()))
          .getAbs(trackerUrl + "/peers").timeout(10_000).send().await();
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + trackerUrl + "/peers answered " + r.statusCode());
      }
      JsonArray list = r.bodyAsJsonObject().getJsonArray("peers");
      for (int i = 0; i < list.size(); i++) {
        JsonObject p = list.getJsonObject(i);
        out.add(new PeerRef(p.getString("peerId"), p.getString("region"), p.getString("baseUrl")));
      }
      return out;
    } finally {
      vertx.close().await();
    }
  }
}
