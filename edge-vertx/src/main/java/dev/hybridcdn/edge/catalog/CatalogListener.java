package dev.hybridcdn.edge.catalog;

import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.edge.origin.OriginDocuments;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.TopicFollower;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's view of {@code cdn.catalog} (issue 12, content versions), followed from its end by
 * service-kit's {@link TopicFollower} (poison records dead-lettered):
 * <ul>
 *   <li>{@code SongPublished} of a version newer than the kept manifest drops the song's kept
 *       manifest, playlists and the song list ({@link OriginDocuments#published}), so the next
 *       request gets the new version at once instead of after {@code EDGE_MANIFEST_TTL_MS};</li>
 *   <li>{@code SongRetired} drops the retired segments from the near cache, Redis and PostgreSQL
 *       ({@link SegmentService#retire}); a whole-song retirement (no segment ids) drops its documents.</li>
 * </ul>
 * Segment ids are content-addressed, so neither is needed for correctness (an id's bytes never
 * change); they make a new version visible at once and free the space of retired ones.
 */
public final class CatalogListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogListener.class);
  private static final Duration RETIRE_TIMEOUT = Duration.ofSeconds(10);

  private final TopicFollower follower;
  private final Counter versions;
  private final Counter retired;

  /**
   * Starts following; returns at once.
   *
   * @param clientId names the consumer, e.g. {@code edge-<edgeId>}
   * @param registry where {@code cdn_edge_catalog_versions_total} and
   *     {@code cdn_edge_segments_retired_total} are registered
   */
  public static CatalogListener start(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId,
      OriginDocuments documents, SegmentService segments, MeterRegistry registry) {
    return new CatalogListener(kafkaClient, topics, clientId, documents, segments, registry);
  }

  private CatalogListener(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId, OriginDocuments documents,
      SegmentService segments, MeterRegistry registry) {
    this.versions = Counter.builder("cdn.edge.catalog.versions")
        .description("new song versions (SongPublished) that dropped kept manifests and playlists").register(registry);
    this.retired = Counter.builder("cdn.edge.segments.retired")
        .description("retired segments (SongRetired) dropped from Redis and PostgreSQL").register(registry);
    this.follower = TopicFollower.start(kafkaClient, topics, CdnTopic.CATALOG, clientId, "catalog",
        (record, event) -> handle(event, documents, segments));
  }

  private void handle(SpecificRecord event, OriginDocuments documents, SegmentService segments) {
    if (event instanceof SongPublished p) {
      if (documents.published(p.getSongId(), p.getVersion())) {
        versions.increment();
        LOG.info("song {} version {} published: kept manifest and playlists dropped", p.getSongId(), p.getVersion());
      }
    } else if (event instanceof SongRetired r) {
      if (r.getSegmentIds().isEmpty()) {
        documents.published(r.getSongId(), Long.MAX_VALUE);
        return;
      }
      int dropped = Blocking.await(segments.retire(r.getSegmentIds()), RETIRE_TIMEOUT,
          "drop retired segments of " + r.getSongId());
      retired.increment(r.getSegmentIds().size());
      LOG.info("song {} version {} retired: {} segments, {} copies dropped", r.getSongId(), r.getVersion(),
          r.getSegmentIds().size(), dropped);
    }
  }

  /** True once positioned at the end of the topic (what is published from now on is seen). */
  public boolean following() {
    return follower.following();
  }

  /** Records dead-lettered so far. */
  public long deadLettered() {
    return follower.deadLettered();
  }

  @Override
  public void close() {
    follower.close();
  }
}
