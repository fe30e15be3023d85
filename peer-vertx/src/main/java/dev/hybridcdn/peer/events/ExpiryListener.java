package dev.hybridcdn.peer.events;

import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.TopicFollower;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readmission (issue 12, item 2): one consumer of {@code cdn.peer-expirations} per peer host. When
 * the tracker expires a peer this host runs (it was paused past the TTL: SIGSTOP, a long GC, a
 * network partition, a Kafka outage), the peer re-announces in full, PeerJoined plus a
 * SegmentCached for every cached segment, as a BitTorrent client re-announces to a tracker that
 * forgot it and sends its bitfield (BEP 3). The tracker ignores heartbeats of peers it does not
 * know, so without this an expired peer stayed out of lookups until it restarted.
 *
 * <p>The topic is followed by service-kit's {@link TopicFollower}: every partition assigned (no group:
 * a paused JVM must not lose its place in a rebalance, and every host needs every expiry), from the
 * end of the topic, so expiries of earlier sessions are not replayed, committed records only (the
 * tracker writes them in exactly-once transactions). A record that does not decode, or whose
 * re-announce throws, goes to {@code cdn.dead-letters} and is counted; the loop never stops on one.
 * Expiries of peers other hosts run are ignored.
 *
 * <p>Latency: the expiry is read within one poll (200 ms) of the peer's JVM running again, so
 * the peer is back in lookups after that, one produce and the tracker's commit interval: well
 * within two heartbeat intervals at the defaults (measured in system-tests {@code ReadmissionIT}).
 */
public final class ExpiryListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExpiryListener.class);

  /** Re-announces one hosted peer; false when this host does not run {@code peerId}. */
  @FunctionalInterface
  public interface Readmission {
    boolean reannounce(String peerId);
  }

  private final TopicFollower follower;
  private final Counter readmissions;

  /**
   * Starts the listener on its own daemon thread; returns at once (a broker that is away only delays
   * the assignment: the thread retries).
   *
   * @param clientId names the consumer and producer ({@code peer-host-<first peer id>})
   * @param registry where {@code cdn_peer_readmissions_total} and
   *     {@code cdn_peer_expiry_records_dead_lettered} are registered
   */
  public static ExpiryListener start(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId,
      Readmission readmission, MeterRegistry registry) {
    return new ExpiryListener(kafkaClient, topics, clientId, readmission, registry);
  }

  private ExpiryListener(Map<String, Object> kafkaClient, TopicRegistry topics, String clientId, Readmission readmission,
      MeterRegistry registry) {
    Counter counter = Counter.builder("cdn.peer.readmissions")
        .description("hosted peers that re-announced after reading their own PeerExpired").register(registry);
    this.readmissions = counter;
    this.follower = TopicFollower.start(kafkaClient, topics, CdnTopic.PEER_EXPIRATIONS, clientId, "expiries",
        (record, event) -> {
          if (event instanceof PeerExpired e && readmission.reannounce(e.getPeerId())) {
            counter.increment();
            LOG.info("peer {} was expired by the tracker (last seen {}, expired at {}): re-announced in full",
                e.getPeerId(), e.getLastSeen(), e.getTs());
          }
        });
    Gauge.builder("cdn.peer.expiry.records.dead.lettered", follower, TopicFollower::deadLettered)
        .description("records on the expiry topic that could not be decoded or handled").register(registry);
  }

  /** Re-announcements made so far. */
  public long readmissions() {
    return (long) readmissions.count();
  }

  /** Records dead-lettered so far. */
  public long deadLettered() {
    return follower.deadLettered();
  }

  /** Stops the thread (waits up to 5 s) and closes the consumer and the dead-letter producer. */
  @Override
  public void close() {
    follower.close();
  }
}
