package dev.hybridcdn.servicekit.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PathParamsTest {
  private static final Vertx VERTX = Vertx.vertx();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static int port;

  @BeforeAll
  static void serve() {
    port = HttpVerticles.deploy(VERTX, new HttpServerOptions().setHost("127.0.0.1").setPort(0), 1, () -> {
      var router = ServiceRouter.create(VERTX, new Health(), new Metrics());
      router.get("/hls/:songId/:rendition/playlist.m3u8")
          .handler(ctx -> ctx.end(PathParams.songId(ctx) + " " + PathParams.rendition(ctx)));
      return router;
    }, Duration.ofSeconds(10), "test server").port();
  }

  @AfterAll
  static void close() {
    Blocking.await(VERTX.close(), Duration.ofSeconds(10), "close vertx");
  }

  @Test
  void validSongAndRenditionPass() throws Exception {
    HttpResponse<String> r = get("/hls/demo-song/128k/playlist.m3u8");
    assertEquals(200, r.statusCode());
    assertEquals("demo-song 128k", r.body());
  }

  @Test
  void aBadSongIdIsA400NamingIt() throws Exception {
    HttpResponse<String> r = get("/hls/Bad%20Song/128k/playlist.m3u8");
    assertEquals(400, r.statusCode());
    JsonObject body = new JsonObject(r.body());
    assertEquals("invalid_song_id", body.getString("error"));
    assertTrue(body.getString("message").endsWith(": Bad Song"), body.getString("message"));
  }

  @Test
  void aBadRenditionIsA400() throws Exception {
    HttpResponse<String> r = get("/hls/demo/128kbps/playlist.m3u8");
    assertEquals(400, r.statusCode());
    assertEquals("invalid_rendition", new JsonObject(r.body()).getString("error"));
  }

  @Test
  void longValuesAreClippedInMessages() {
    assertEquals("x".repeat(80) + "...", PathParams.clip("x".repeat(200)));
    assertEquals("(none)", PathParams.clip(null));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
