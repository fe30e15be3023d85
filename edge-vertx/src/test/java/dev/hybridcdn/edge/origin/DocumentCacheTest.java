package dev.hybridcdn.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class DocumentCacheTest {
  private static OriginDocuments.Doc doc(int bytes) {
    return new OriginDocuments.Doc(200, "application/json", Buffer.buffer(new byte[bytes]), System.currentTimeMillis());
  }

  @Test
  void countBoundDropsTheLeastRecentlyUsed() {
    DocumentCache cache = new DocumentCache(2, 1_000_000);
    cache.put("/songs/a", doc(10));
    cache.put("/songs/b", doc(10));
    assertThat(cache.get("/songs/a")).isNotNull(); // a is now more recent than b
    cache.put("/songs/c", doc(10));
    assertThat(cache.get("/songs/b")).isNull();
    assertThat(cache.get("/songs/a")).isNotNull();
    assertThat(cache.get("/songs/c")).isNotNull();
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.bytes()).isEqualTo(20);
  }

  @Test
  void byteBoundDropsTheLeastRecentlyUsedAndNeverKeepsAnOversizedDocument() {
    DocumentCache cache = new DocumentCache(100, 100);
    cache.put("/songs/a", doc(40));
    cache.put("/songs/b", doc(40));
    cache.put("/songs/c", doc(40));
    assertThat(cache.get("/songs/a")).isNull();
    assertThat(cache.bytes()).isEqualTo(80);
    cache.put("/songs/huge", doc(101));
    assertThat(cache.get("/songs/huge")).isNull();
    assertThat(cache.bytes()).isEqualTo(80);
    cache.put("/songs/b", doc(10)); // a replacement is accounted once
    assertThat(cache.bytes()).isEqualTo(50);
    cache.remove("/songs/c");
    assertThat(cache.bytes()).isEqualTo(10);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void removeIfDropsTheMatchingCopiesAndTheirBytes() {
    DocumentCache cache = new DocumentCache(100, 1_000_000);
    cache.put("/songs", doc(5));
    cache.put("/songs/a", doc(10));
    cache.put("/hls/a/master.m3u8", doc(20));
    cache.put("/hls/a/64k/playlist.m3u8", doc(30));
    cache.put("/hls/ab/master.m3u8", doc(40));
    cache.removeIf(p -> p.equals("/songs/a") || p.startsWith("/hls/a/"));
    assertThat(cache.get("/songs/a")).isNull();
    assertThat(cache.get("/hls/a/64k/playlist.m3u8")).isNull();
    assertThat(cache.get("/hls/ab/master.m3u8")).as("another song with the same prefix").isNotNull();
    assertThat(cache.bytes()).isEqualTo(45);
    assertThat(cache.size()).isEqualTo(2);
  }
}
