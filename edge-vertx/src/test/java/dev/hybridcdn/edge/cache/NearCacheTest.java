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
}
