package dev.hybridcdn.ops.chaos;

import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.replay.Replay;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * A chaos row's "events lost": the players' answered segments minus the SegmentDelivered events the
 * stack's {@code delivery-events} history holds for the period (the replay's reader), polled for up to
 * 30 s while the peers' publishers catch up.
 */
final class EventsLost {
  private EventsLost() {}

  /**
   * @param segments segments the players got answered in {@code [fromMs, toMs]} (epoch ms)
   * @return segments - SegmentDelivered events found for the period; -1 when the history is unreadable
   */
  static long count(StackFile stack, long segments, long fromMs, long toMs, Consumer<String> progress) {
    try {
      HistoryReader reader = new HistoryReader(stack.env().get("KAFKA_BOOTSTRAP_SERVERS"),
          new TopicRegistry(stack.env().getOrDefault("TOPIC_PREFIX", "cdn.")), Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      long found;
      do {
        found = Replay.analyse(reader, Instant.ofEpochMilli(fromMs), Instant.ofEpochMilli(toMs)).summary(10)
            .requestsByTier().values().stream().mapToLong(Long::longValue).sum();
        if (found >= segments) {
          break;
        }
        Thread.sleep(1000);
      } while (System.nanoTime() < deadline);
      return segments - found;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (RuntimeException e) {
      progress.accept("history not readable: " + e.getMessage());
      return -1;
    }
  }
}
