package dev.hybridcdn.topology.signalling;

import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.TopicFollower;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes this instance order pushes, read from Kafka by every topology instance (no consumer
 * group, from the end: service-kit {@link TopicFollower}, poison records dead-lettered):
 * {@code cdn.catalog}'s SongPublished (a new song, or a new version: its first segments to regions
 * without it) and {@code cdn.delivery-events} (a song whose player requests reach
 * {@code SIGNALLING_HOT_REQUESTS} within {@code SIGNALLING_HOT_WINDOW_MS} is hot: the same push, for
 * the rendition being played, to regions not yet pushed it). Delivery events are counted, not
 * verified: a forged flood can at most cause one push per song and region.
 */
public final class SignallingFeeds implements AutoCloseable {
  private static final int MAX_TRACKED_SONGS = 4096;

  private final SignallingHub hub;
  private final int hotRequests;
  private final long hotWindowMs;
  private final Map<String, Deque<Long>> recent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
      return size() > MAX_TRACKED_SONGS;
    }
  };
  private final TopicFollower catalog;
  private final TopicFollower deliveries;

  /**
   * Starts following both topics; returns at once.
   *
   * @param hotRequests {@code SIGNALLING_HOT_REQUESTS}, 0 = no hot pushes
   */
  public SignallingFeeds(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId, SignallingHub hub,
      int hotRequests, long hotWindowMs) {
    this.hub = hub;
    this.hotRequests = hotRequests;
    this.hotWindowMs = hotWindowMs;
    this.catalog = TopicFollower.start(kafkaClient, topics, CdnTopic.CATALOG, clientId, "signalling-catalog",
        (record, event) -> {
          if (event instanceof SongPublished p) {
            published(p);
          }
        });
    this.deliveries = hotRequests <= 0 ? null : TopicFollower.start(kafkaClient, topics, CdnTopic.DELIVERY_EVENTS,
        clientId, "signalling-deliveries", (record, event) -> {
          if (event instanceof SegmentDelivered d) {
            delivered(d, record.timestamp());
          }
        });
  }

  /** True once both followers are positioned at the end of their topics. */
  public boolean following() {
    return catalog.following() && (deliveries == null || deliveries.following());
  }

  void published(SongPublished p) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (RenditionInfo r : p.getRenditions()) {
      counts.put(r.getName(), r.getSegments().size());
    }
    hub.forgetPushes(p.getSongId()); // a new version has new segment ids
    hub.pushFirstSegments(p.getSongId(), counts, "published");
  }

  void delivered(SegmentDelivered d, long tsMs) {
    String songId = d.getSongId();
    boolean hot;
    synchronized (recent) {
      Deque<Long> times = recent.computeIfAbsent(songId, k -> new ArrayDeque<>());
      times.addLast(tsMs);
      while (!times.isEmpty() && times.peekFirst() < tsMs - hotWindowMs) {
        times.removeFirst();
      }
      hot = times.size() >= hotRequests;
      if (hot) {
        times.clear(); // counted again from here; the hub pushes each region once anyway
      }
    }
    if (hot) {
      // The peer ignores indices past the rendition's end.
      hub.pushFirstSegments(songId, Map.of(d.getRendition(), Integer.MAX_VALUE), "hot");
    }
  }

  @Override
  public void close() {
    catalog.close();
    if (deliveries != null) {
      deliveries.close();
    }
  }
}
