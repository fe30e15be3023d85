package dev.hybridcdn.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.contract.manifest.SegmentNames;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The peer's manifest store against a stand-in edge: new versions (SongPublished) and superseded segments. */
class ManifestStoreTest {
  static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  static final String OLD_ID = "demo/64k/" + SegmentNames.file(3, SHA);

  static Vertx vertx;
  static HttpServer edge;
  static WebClient client;
  static final AtomicLong version = new AtomicLong(1);
  static final AtomicInteger manifestRequests = new AtomicInteger();
  /** ETag the stand-in edge answers for {@link #OLD_ID}; null = 404. */
  static final AtomicReference<String> etag = new AtomicReference<>(SHA);

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    edge = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/songs/demo")) {
        manifestRequests.incrementAndGet();
        req.response().end(ManifestJson.write(new Manifest("demo", "Demo", 10_000, version.get(), List.of())));
      } else if (req.method() == HttpMethod.HEAD && req.path().equals("/segments/" + OLD_ID) && etag.get() != null) {
        req.response().putHeader("ETag", "\"" + etag.get() + "\"").putHeader("Content-Length", "1234").end();
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  static String edgeUrl() {
    return "http://127.0.0.1:" + edge.actualPort();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aNewerVersionDropsTheCachedManifestAnOlderOrEqualOneDoesNot() throws Exception {
    ManifestStore store = new ManifestStore(client, 600_000);
    version.set(1);
    assertThat(await(store.get("demo", List.of(edgeUrl()), 5000)).version()).isEqualTo(1);
    version.set(2);
    assertThat(await(store.get("demo", List.of(edgeUrl()), 5000)).version()).as("kept for the TTL").isEqualTo(1);
    assertThat(store.published("demo", 1)).isFalse();
    assertThat(store.published("other", 5)).isFalse();
    int before = manifestRequests.get();
    assertThat(store.published("demo", 2)).isTrue();
    assertThat(await(store.get("demo", List.of(edgeUrl()), 5000)).version()).isEqualTo(2);
    assertThat(manifestRequests.get()).isEqualTo(before + 1);
  }

  @Test
  void aSupersededSegmentIsDescribedByTheEdgeOnlyWhenItsHashIsTheOneTheIdCarries() throws Exception {
    ManifestStore store = new ManifestStore(client, 600_000);
    etag.set(SHA);
    Manifest.Segment s = await(store.superseded(OLD_ID, List.of(edgeUrl()), 5000));
    assertThat(s.segmentId()).isEqualTo(OLD_ID);
    assertThat(s.sha256()).isEqualTo(SHA);
    assertThat(s.bytes()).isEqualTo(1234);
    assertThat(s.index()).isEqualTo(3);

    etag.set("0".repeat(64)); // an edge naming other bytes under the id is not believed
    assertThat(store.superseded(OLD_ID, List.of(edgeUrl()), 5000).toCompletionStage().toCompletableFuture()
        .handle((v, e) -> e).get(10, TimeUnit.SECONDS)).isInstanceOf(SourceFailure.class)
        .satisfies(e -> assertThat(((SourceFailure) e).notFound()).isFalse());

    etag.set(null); // retired: the edge says 404
    assertThat(store.superseded(OLD_ID, List.of(edgeUrl()), 5000).toCompletionStage().toCompletableFuture()
        .handle((v, e) -> e).get(10, TimeUnit.SECONDS)).isInstanceOf(SourceFailure.class)
        .satisfies(e -> assertThat(((SourceFailure) e).notFound()).isTrue());
  }

  @Test
  void playlistsAreKeptWithTheSongUntilANewerVersionIsPublishedOrTheSongRetired() throws Exception {
    ManifestStore store = new ManifestStore(client, 60_000);
    version.set(1);
    await(store.get("demo", List.of(edgeUrl()), 5000));
    store.keepPlaylist("demo", "/hls/demo/master.m3u8", "#EXTM3U master");
    store.keepPlaylist("other", "/hls/other/master.m3u8", "#EXTM3U other");
    assertThat(store.playlist("/hls/demo/master.m3u8")).isEqualTo("#EXTM3U master");

    assertThat(store.published("demo", 1)).as("the version kept: nothing dropped").isFalse();
    assertThat(store.playlist("/hls/demo/master.m3u8")).isEqualTo("#EXTM3U master");
    assertThat(store.published("demo", 2)).isTrue();
    assertThat(store.playlist("/hls/demo/master.m3u8")).as("a new version: its playlists are asked again").isNull();
    assertThat(store.playlist("/hls/other/master.m3u8")).as("another song's stay").isEqualTo("#EXTM3U other");

    store.invalidate("other");
    assertThat(store.playlist("/hls/other/master.m3u8")).isNull();
    ManifestStore noReuse = new ManifestStore(client, 0);
    noReuse.keepPlaylist("demo", "/hls/demo/master.m3u8", "#EXTM3U");
    assertThat(noReuse.playlist("/hls/demo/master.m3u8")).as("MANIFEST_TTL_MS=0 keeps nothing").isNull();
  }
}
