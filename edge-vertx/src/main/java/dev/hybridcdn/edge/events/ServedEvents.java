package dev.hybridcdn.edge.events;

import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.events.Drain;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's EdgeServed events, made off the event loops: a segment request only queues its facts
 * (one small record, no encoding); one background thread takes them in batches of up to
 * {@value Drain#BATCH} and builds, encodes (Avro), signs (the admitted identity's HMAC, issue 16) and hands
 * each event to the {@link EventPublisher}. Building, encoding and signing took about a quarter of the
 * event loops' time per hot segment request (JFR of {@code cdn bench compare}, edge-vertx README
 * "Hot path"); a queue offer is a lock and an array slot, and wakes nobody ({@link Drain}).
 *
 * <p>Each answered request is still one event, published in the order the requests were answered
 * (one thread; the signer's sequence numbers stay in order). When the queue is full the facts are
 * dropped and counted in {@code cdn_events_dropped_total}, as the publisher's own overflow is.
 */
public final class ServedEvents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServedEvents.class);
  /**
   * What one answered segment request was.
   *
   * @param segmentId the segment's id ({@code song/rendition/file})
   * @param result the tier that answered
   * @param bytes body bytes sent
   * @param latencyMicros arrival to the answer handed to the socket, microseconds
   * @param ts when it was answered, ms since the epoch
   * @param requesterPeerId the {@code X-CDN-Peer-Request} value, null when a player or an edge asked
   * @param shieldFor the {@code X-CDN-Shield-Request} value (the edge asking this one as its shield), else null
   * @param shieldId the shield edge that answered this edge's miss, else null
   */
  public record Served(String segmentId, EdgeResult result, long bytes, long latencyMicros, long ts,
      String requesterPeerId, String shieldFor, String shieldId) {}

  private final String edgeId;
  private final EventPublisher publisher;
  private final BlockingQueue<Served> queue;
  private final Counter dropped;
  private final Thread drain;
  private volatile NodeIdentity signer;
  private volatile boolean closing;

  /**
   * @param capacity facts queued at most before dropping ({@code EDGE_EVENT_BUFFER}); at least 1
   * @param metrics the registry holding {@code cdn_events_dropped_total}
   */
  public ServedEvents(String edgeId, EventPublisher publisher, int capacity, MeterRegistry metrics) {
    this.edgeId = edgeId;
    this.publisher = publisher;
    this.queue = new ArrayBlockingQueue<>(capacity);
    // The publisher's meter (same name, same tags): one figure for every event dropped.
    this.dropped = Counter.builder("cdn.events.dropped")
        .description("events dropped because the publish buffer was full").register(metrics);
    this.drain = new Thread(this::drainLoop, "edge-served-events-" + edgeId);
    this.drain.setDaemon(true);
    this.drain.start();
  }

  /** Signs every EdgeServed from now on with this admitted identity (issue 16). */
  public void signWith(NodeIdentity identity) {
    this.signer = identity;
  }

  /**
   * Queues one answered request's facts; never blocks, never throws.
   *
   * @return false when the queue was full (or closing) and the event was dropped
   */
  public boolean offer(Served served) {
    if (closing || !queue.offer(served)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  /** Facts queued, not yet handed to the publisher. */
  public int queued() {
    return queue.size();
  }

  /** Batches of facts as {@link Drain} takes them: the event loops' offers never wake this thread. */
  private void drainLoop() {
    List<Served> batch = new ArrayList<>(Drain.BATCH);
    while (!closing || !queue.isEmpty()) {
      if (Drain.next(queue, batch)) {
        for (Served s : batch) {
          publish(s);
        }
        batch.clear();
      }
    }
  }

  private void publish(Served s) {
    try {
      publisher.publish(CdnTopic.EDGE_EVENTS, edgeId, EdgeServed.newBuilder()
          .setEdgeId(edgeId)
          .setSegmentId(s.segmentId())
          .setCacheResult(s.result())
          .setBytes(s.bytes())
          .setLatencyMicros(s.latencyMicros())
          .setTs(s.ts())
          .setRequester(s.shieldFor() != null ? EdgeRequester.EDGE
              : s.requesterPeerId() == null ? EdgeRequester.PLAYER : EdgeRequester.PEER)
          .setRequesterPeerId(s.shieldFor() != null ? s.shieldFor() : s.requesterPeerId())
          .setShieldId(s.shieldId())
          .build(), signer);
    } catch (RuntimeException e) {
      // One event that cannot be made must not stop the others.
      LOG.warn("EdgeServed not published for {}: {}", s.segmentId(), e.toString());
    }
  }

  /** Hands what is queued to the publisher (waiting up to {@code timeout}); later offers are dropped. */
  public void close(Duration timeout) {
    closing = true;
    try {
      drain.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
