package dev.hybridcdn.origin.retire;

import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires the segments a re-ingest superseded (issue 12): a player that still holds the old
 * playlist can fetch them for {@code ORIGIN_RETENTION_MS} after the new version was committed; then
 * this sweep announces {@code SongRetired} (song id, the version that last named them, their
 * segment ids) on {@code cdn.catalog} and deletes them in the same PostgreSQL transaction. The
 * delete commits only after the broker acknowledged the event, so no segment disappears unannounced;
 * while Kafka is away they stay (and are served) and the sweep retries.
 *
 * <p>Key: {@code <songId>@v<version>}, not the song id: {@code cdn.catalog} is compacted, and a
 * retirement keyed by the song id would compact away the song's current SongPublished.
 *
 * <p>Runs on its own daemon thread every {@link #sweepInterval(Duration)}.
 */
public final class Retirement implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Retirement.class);

  private final OriginStore store;
  private final Vertx vertx;
  private final long retentionMs;
  private final long sweepMs;
  private final Duration publishTimeout;
  private final TopicRegistry topics;
  private final KafkaProducer<String, byte[]> producer;
  private final Counter retired;
  private final Thread thread;
  private volatile boolean closed;

  /** Starts the sweep thread; returns at once (Kafka and PostgreSQL may be away: it retries). */
  public static Retirement start(Vertx vertx, OriginStore store, OriginConfig config, MeterRegistry registry) {
    Retirement r = new Retirement(vertx, store, config, registry);
    r.thread.start();
    return r;
  }

  private Retirement(Vertx vertx, OriginStore store, OriginConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.retentionMs = config.retention().toMillis();
    this.sweepMs = sweepInterval(config.retention()).toMillis();
    this.publishTimeout = config.publishTimeout();
    this.topics = config.common().topics();
    Map<String, Object> pc = EventPublisher.producerConfig(config.common().kafkaClient(), "origin-retirement");
    int publishMs = (int) publishTimeout.toMillis();
    pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, publishMs);
    pc.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, publishMs);
    pc.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(publishMs, 10_000));
    pc.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer());
    this.retired = Counter.builder("cdn.origin.segments.retired")
        .description("superseded segments deleted after the retention period and announced as SongRetired")
        .register(registry);
    this.thread = new Thread(this::run, "origin-retirement");
    this.thread.setDaemon(true);
  }

  /** How often superseded segments are looked for: a tenth of the retention, 250 ms to 30 s. */
  public static Duration sweepInterval(Duration retention) {
    return Duration.ofMillis(Math.max(250, Math.min(30_000, retention.toMillis() / 10)));
  }

  /** Kafka key of a retirement: {@code <songId>@v<version>}. */
  public static String key(String songId, long version) {
    return songId + "@v" + version;
  }

  private void run() {
    boolean warned = false;
    while (!closed) {
      try {
        List<OriginStore.Retired> done = sweepOnce();
        warned = false;
        if (!done.isEmpty()) {
          continue; // more may wait behind the batch limit
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        if (!warned) {
          LOG.warn("retiring superseded segments failed ({}); they stay served, retrying every {} ms", e.getMessage(),
              sweepMs);
          warned = true;
        }
      }
      try {
        Thread.sleep(sweepMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * One sweep: retires what is past the retention.
   *
   * @return the batches retired
   * @throws RuntimeException when PostgreSQL or Kafka failed (nothing deleted)
   */
  public List<OriginStore.Retired> sweepOnce() {
    List<OriginStore.Retired> done = Blocking.await(store.retireSuperseded(retentionMs, this::announce),
        publishTimeout.plusSeconds(30), "retire superseded segments");
    for (OriginStore.Retired r : done) {
      retired.increment(r.segmentIds().size());
      LOG.info("retired {} segments of {} version {} (superseded more than {} ms ago)", r.segmentIds().size(),
          r.songId(), r.version(), retentionMs);
    }
    return done;
  }

  private Future<Void> announce(OriginStore.Retired r) {
    SongRetired event = SongRetired.newBuilder().setSongId(r.songId()).setVersion(r.version())
        .setSegmentIds(r.segmentIds()).setTs(System.currentTimeMillis()).build();
    String topic = topics.name(CdnTopic.CATALOG);
    // Encoding may ask a schema registry (registry mode): off the event loop, like the send.
    return vertx.executeBlocking(() -> {
      byte[] value = topics.codec().encode(topic, event);
      producer.send(new ProducerRecord<>(topic, key(r.songId(), r.version()), value))
          .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    }, false);
  }

  /** Stops the sweep (waits up to 5 s) and closes the producer. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(2));
  }
}
