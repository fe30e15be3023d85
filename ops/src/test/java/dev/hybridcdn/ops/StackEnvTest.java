package dev.hybridcdn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackEnvTest {
  @Test
  void readsNameValueLinesAndSkipsComments(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("stack.env");
    Files.writeString(f, "# written by ./cdn up\nKAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092\nPGPORT = 41234\nnot a line\n");
    assertThat(StackEnv.read(f)).containsExactly(java.util.Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        java.util.Map.entry("PGPORT", "41234"));
    assertThat(StackEnv.read(dir.resolve("missing.env"))).isEmpty();
  }

  /**
   * The tools' clients stay on HTTP/1.1 with a server that would upgrade them to h2c (Vert.x's default, as the
   * edges and peers run), so a segment answered at once after the upgrade cannot break them (StackEnv's doc).
   */
  @Test
  void clientsNeverUpgradeToH2c() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Buffer segment = Buffer.buffer(new byte[160_000]);
      List<String> versions = new CopyOnWriteArrayList<>();
      HttpServer server = vertx.createHttpServer().requestHandler(req -> {
        versions.add(req.version().name());
        req.response().end("/small".equals(req.path()) ? Buffer.buffer("ok") : segment);
      }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
      String base = "http://127.0.0.1:" + server.actualPort();
      // The JDK's default client does upgrade here: the server under test speaks h2c.
      HttpResponse<String> upgraded = HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(URI.create(base + "/small")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(upgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);
      versions.clear();
      for (int i = 0; i < 30; i++) { // a new client each time: every new connection would be upgraded
        HttpResponse<byte[]> r = StackEnv.clientBuilder(Duration.ofSeconds(2)).build()
            .send(HttpRequest.newBuilder(URI.create(base + "/segment")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.body()).hasSize(160_000);
      }
      assertThat(versions).hasSize(30).containsOnly("HTTP_1_1");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
