package dev.hybridcdn.peer.catalog;

import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.TopicFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer host's view of {@code cdn.catalog} (issue 12, content versions): one follower per host
 * (service-kit {@link TopicFollower}, from the end of the topic, poison records dead-lettered).
 * <ul>
 *   <li>{@code SongPublished} of a version newer than the host's cached manifest drops it
 *       ({@link ManifestStore#published}): the next player request reads the new version;</li>
 *   <li>{@code SongRetired} removes the retired segments from every hosted peer's cache, each one
 *       reported as SegmentEvicted, so the tracker stops naming the peer as a holder; a whole-song
 *       retirement (no segment ids) drops the manifest.</li>
 * </ul>
 */
public final class CatalogListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogListener.class);

  private final TopicFollower follower;
  private final Counter versions;
  private final Counter evicted;

  /**
   * Starts following; returns at once.
   *
   * @param caches the caches of the peers the host runs now (asked at every retirement)
   * @param registry where {@code cdn_peer_catalog_versions_total} and
   *     {@code cdn_peer_retired_evictions_total} are registered
   */
  public static CatalogListener start(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId,
      ManifestStore manifests, Supplier<Iterable<SegmentCache>> caches, MeterRegistry registry) {
    return new CatalogListener(kafkaClient, topics, clientId, manifests, caches, registry);
  }

  private CatalogListener(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId, ManifestStore manifests,
      Supplier<Iterable<SegmentCache>> caches, MeterRegistry registry) {
    this.versions = Counter.builder("cdn.peer.catalog.versions")
        .description("new song versions (SongPublished) that dropped the host's cached manifest").register(registry);
    this.evicted = Counter.builder("cdn.peer.retired.evictions")
        .description("cached segments removed because the origin retired them (SongRetired)").register(registry);
    this.follower = TopicFollower.start(kafkaClient, topics, CdnTopic.CATALOG, clientId, "catalog",
        (record, event) -> handle(event, manifests, caches));
  }

  private void handle(SpecificRecord event, ManifestStore manifests, Supplier<Iterable<SegmentCache>> caches) {
    if (event instanceof SongPublished p) {
      if (manifests.published(p.getSongId(), p.getVersion())) {
        versions.increment();
        LOG.info("song {} version {} published: cached manifest dropped", p.getSongId(), p.getVersion());
      }
    } else if (event instanceof SongRetired r) {
      if (r.getSegmentIds().isEmpty()) {
        manifests.invalidate(r.getSongId());
        return;
      }
      int removed = 0;
      for (SegmentCache cache : caches.get()) {
        removed += cache.remove(r.getSegmentIds());
      }
      evicted.increment(removed);
      LOG.info("song {} version {} retired: {} cached copies evicted", r.getSongId(), r.getVersion(), removed);
    }
  }

  /** New versions that dropped a cached manifest so far. */
  public long versionsSeen() {
    return (long) versions.count();
  }

  /** True once positioned at the end of the topic. */
  public boolean following() {
    return follower.following();
  }

  @Override
  public void close() {
    follower.close();
  }
}
