package dev.hybridcdn.servicekit.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard on a real Vert.x server: segments and a peer's relayed segments want the song's token. */
class PlayerTokenGuardTest {
  private static final PlayerTokens TOKENS = PlayerTokens.of("0123456789abcdef0123456789abcdef-test");
  private Vertx vertx;
  private HttpServer server;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    PlayerTokenGuard.install(router, TOKENS, "/segments/*");
    PlayerTokenGuard.installUnder(router, TOKENS, "/relay", "/relay/segments/*");
    router.route("/*").handler(ctx -> ctx.response().end("ok"));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int status(String path, String token) throws Exception {
    String uri = path
        + (token == null ? "" : (path.contains("?") ? "&" : "?") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    return client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", uri).compose(r -> r.send())
        .map(r -> r.statusCode()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRelayedSegmentWantsItsSongsTokenLikeTheSegmentItself() throws Exception {
    String demo = TOKENS.sign(List.of("/hls/demo/*", "/segments/demo/*"), Duration.ofMinutes(1));
    String other = TOKENS.sign(List.of("/hls/other/*", "/segments/other/*"), Duration.ofMinutes(1));
    String seg = "/segments/demo/128k/seg00000-9f86d081884c7d65.ts";
    assertEquals(200, status(seg, demo));
    assertEquals(200, status("/relay" + seg + "?path=peer-2", demo));
    assertEquals(401, status("/relay" + seg + "?path=peer-2", null));
    assertEquals(403, status("/relay" + seg, other));
    assertEquals(401, status(seg, null));
    assertEquals(200, status("/relay/attach", null)); // peers' own control routes stay as they were
  }
}
