package dev.hybridcdn.dashboard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The web player's token (issue 16): signed by the dashboard with the stack's secret, never by the page. */
class PlayerTokenRouteTest {
  private static final String SECRET = "a-player-token-secret-of-at-least-32-chars";
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int serve(Map<String, String> env) throws Exception {
    DashboardHttp routes = new DashboardHttp(vertx, DashboardConfig.from(new Env(env)), new FeedBroadcast());
    HttpServer server = vertx.createHttpServer().requestHandler(routes.router(new Health(), new Metrics()))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void signsATokenForTheSongThatPeersAndEdgesAccept() throws Exception {
    int port = serve(Map.of("PLAYER_TOKEN_SECRET", SECRET));
    HttpResponse<String> r = get(port, "/api/player-token?song=morning-coffee");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("songId")).isEqualTo("morning-coffee");
    assertThat(body.getLong("expiresAt")).isGreaterThan(System.currentTimeMillis() / 1000 + 3000);
    PlayerTokens check = PlayerTokens.of(SECRET);
    assertThat(check.check(body.getString("token"), CdnPaths.master("morning-coffee")))
        .isEqualTo(PlayerTokens.Verdict.OK);
    assertThat(check.check(body.getString("token"), CdnPaths.master("cold-day")))
        .isEqualTo(PlayerTokens.Verdict.WRONG_PATH);
    HttpResponse<String> bad = get(port, "/api/player-token?song=Bad%20Id");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("invalid_song_id");
  }

  @Test
  void noTokenWithoutASecret() throws Exception {
    int port = serve(Map.of());
    JsonObject body = new JsonObject(get(port, "/api/player-token?song=morning-coffee").body());
    assertThat(body.getString("token")).isNull();
    assertThat(body.getLong("expiresAt")).isZero();
  }
}
