package dev.hybridcdn.peer.warmstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.TrackerClient.PopularSong;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The order and timing of a warm-start round: the tracker and the fetches are stand-ins, the timers real. */
class WarmStartsRoundTest {
  final Vertx vertx = Vertx.vertx();
  final List<String> fetched = new CopyOnWriteArrayList<>();
  final Set<String> done = ConcurrentHashMap.newKeySet();
  final AtomicBoolean mayStart = new AtomicBoolean(true);
  /** How often the round asked whether a segment may start. */
  final AtomicInteger asked = new AtomicInteger();
  WarmStarts warm;

  @AfterEach
  void stop() {
    if (warm != null) {
      warm.stop();
    }
    vertx.close();
  }

  static Manifest song(String id) {
    return content(id, "64k", Manifest.AAC_LC);
  }

  static Manifest content(String id, String rendition, String codec) {
    List<Manifest.Segment> segments = IntStream.range(0, 4).mapToObj(i ->
        new Manifest.Segment(id + "/" + rendition + "/seg" + i + ".ts", i, 10_000, 1000, "a".repeat(64))).toList();
    return new Manifest(id, "", 40_000, List.of(new Manifest.Rendition(rendition, 64, codec, segments)));
  }

  WarmStarts start(Duration period) {
    return start(period, Map.of("a", song("a"), "b", song("b")), List.of(new PopularSong("a", 5, Map.of("64k", 5)),
        new PopularSong("b", 3, Map.of("64k", 3))));
  }

  WarmStarts start(Duration period, Map<String, Manifest> songs, List<PopularSong> popular) {
    warm = new WarmStarts("peer-1", new WarmStartConfig(2, 3, period), new SegmentCache(1 << 20, null),
        id -> Future.succeededFuture(songs.get(id)),
        limit -> Future.succeededFuture(popular),
        (song, rendition) -> {},
        s -> {
          fetched.add(s.segmentId());
          done.add(s.segmentId()); // stands for "cached": never queued again
          return Future.succeededFuture();
        },
        done::contains, () -> {
          asked.incrementAndGet();
          return mayStart.get();
        });
    warm.start(vertx);
    return warm;
  }

  @Test
  void everyPopularSongsFirstSegmentComesBeforeAnySongsSecond() {
    start(Duration.ofSeconds(10));

    await().atMost(Duration.ofSeconds(5)).until(() -> fetched.size() == 6);
    assertThat(fetched).containsExactly("a/64k/seg0.ts", "b/64k/seg0.ts", "a/64k/seg1.ts", "b/64k/seg1.ts",
        "a/64k/seg2.ts", "b/64k/seg2.ts");
  }

  @Test
  void aRoundHeldUpByAWaitingPlayerGoesOnSoonAfterNotAPeriodLater() {
    mayStart.set(false); // a player of the peer waits
    start(Duration.ofSeconds(30));
    await("the held-up round retried").atMost(Duration.ofSeconds(3)).until(() -> asked.get() >= 3);
    assertThat(fetched).as("nothing while the player waits").isEmpty();

    mayStart.set(true); // it got its segment
    await().atMost(Duration.ofSeconds(3)).until(() -> fetched.size() == 6);
  }

  @Test
  void aSharedFilesPiecesAreNotWarmedEvenWhenItIsTheMostHeld() {
    start(Duration.ofSeconds(10), Map.of("f", content("f", "1k", Manifest.FILE_CODEC), "a", song("a")),
        List.of(new PopularSong("f", 9, Map.of("1k", 9)), new PopularSong("a", 5, Map.of("64k", 5))));

    await().atMost(Duration.ofSeconds(5)).until(() -> fetched.size() == 3);
    assertThat(fetched).containsExactly("a/64k/seg0.ts", "a/64k/seg1.ts", "a/64k/seg2.ts");
  }
}
