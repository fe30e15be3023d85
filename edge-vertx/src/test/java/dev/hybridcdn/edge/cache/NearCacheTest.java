package dev.hybridcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NearCacheTest {
  private static CachedSegment segment(String id, int bytes) {
    return new CachedSegment(id, Buffer.buffer(new byte[bytes]).setByte(0, (byte) 7), "ab".repeat(32));
  }

  @Test
  void servesTheSameBytesUntilTheTtl() {
    NearCache near = new NearCache(1 << 20, Duration.ofMillis(100));
    near.put(segment("demo/128k/seg00000.ts", 1000));
    CachedSegment hit = near.get("demo/128k/seg00000.ts");
    assertThat(hit.size()).isEqualTo(1000);
    assertThat(hit.bytes().getByte(0)).isEqualTo((byte) 7);
    assertThat(hit.sha256()).isEqualTo("ab".repeat(32));
    await("the entry to expire").atMost(Duration.ofSeconds(5)).until(() -> near.get("demo/128k/seg00000.ts") == null);
  }

  @Test
  void holdsNoMoreThanItsByteBudget() {
    NearCache near = new NearCache(10_000, Duration.ofMinutes(1));
    for (int i = 0; i < 50; i++) {
      near.put(segment("demo/128k/seg%05d.ts".formatted(i), 1000));
    }
    await("evictions to settle").atMost(Duration.ofSeconds(5)).until(() -> near.bytesHeld() <= 10_000);
    assertThat(near.bytesHeld()).isPositive();
  }

  @Test
  void budgetZeroTurnsItOff() {
    NearCache near = new NearCache(0, Duration.ofMinutes(1));
    near.put(segment("demo/128k/seg00000.ts", 10));
    assertThat(near.get("demo/128k/seg00000.ts")).isNull();
  }

  /**
   * On tmpfs (EDGE_NEAR_CACHE_DIR), a hit comes with a reference to the entry's open file: an entry
   * evicted while an answer sends it keeps its file until that answer lets go, then the file goes.
   */
  @Test
  void aFileOfAnEvictedEntryLastsUntilItsAnswerIsThrough() throws Exception {
    java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.hybridcdn.servicekit.files.TmpfsFiles.isTmpfs(shm));
    dev.hybridcdn.servicekit.files.TmpfsFiles files = dev.hybridcdn.servicekit.files.TmpfsFiles.open(shm, "near-test");
    NearCache near = new NearCache(1 << 20, Duration.ofMinutes(1), files);
    try {
      near.put(segment("demo/128k/seg00000.ts", 1000));
      CachedSegment hit = near.get("demo/128k/seg00000.ts");
      assertThat(hit.bytes()).isNull();
      assertThat(hit.size()).isEqualTo(1000);
      byte[] onDisk = java.nio.file.Files.readAllBytes(hit.file().path());
      assertThat(onDisk).hasSize(1000);
      assertThat(onDisk[0]).isEqualTo((byte) 7);

      near.remove(java.util.List.of("demo/128k/seg00000.ts")); // retired while the answer is sent
      assertThat(near.get("demo/128k/seg00000.ts")).isNull();
      assertThat(hit.file().path()).as("the answer still holds it").exists();
      assertThat(hit.file().channel().isOpen()).isTrue();
      hit.release();
      assertThat(hit.file().path()).as("gone with its last holder").doesNotExist();
      assertThat(files.bytesHeld()).isZero();
    } finally {
      near.close();
    }
  }
}
