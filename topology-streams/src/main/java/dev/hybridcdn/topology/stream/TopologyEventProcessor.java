package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.topology.TopologyNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns link and peer events into graph changes ({@link GraphChangeRecords}) and expires links.
 *
 * <ul>
 *   <li>LinkMeasured: checked by {@link EventRules#checkLink}; written as {@code link/<from>/<to>};
 *       its record timestamp (epoch ms) is kept in {@value TopologyNames#LINK_TTL_STORE}.</li>
 *   <li>PeerJoined: {@code node/<peerId>} with its region. PeerHeartbeat: ignored.</li>
 *   <li>PeerLeft, PeerExpired: tombstones for the node and for every link touching it (links it
 *       measured, from this task's TTL store; links measured to it, from the global graph store).</li>
 *   <li>A wall-clock punctuation every {@code checkInterval} writes tombstones for links whose last
 *       refresh is older than the TTL.</li>
 * </ul>
 * A record that breaks a rule or fails to process goes to the dead-letter sink with its key, the
 * value re-encoded by the codec, and the {@link DeadLetters} headers; the task goes on.
 */
public final class TopologyEventProcessor implements Processor<String, SpecificRecord, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyEventProcessor.class);

  private final EventCodec codec;
  private final String deadLetterTopic;
  private final String applicationId;
  private final Duration linkTtl;
  private final Duration checkInterval;
  private final Counter rejected;
  private final Counter expired;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, Long> ttlStore;
  private KeyValueStore<String, String> graphStore;

  public TopologyEventProcessor(EventCodec codec, String deadLetterTopic, String applicationId, Duration linkTtl,
      Duration checkInterval, MeterRegistry meters) {
    this.codec = codec;
    this.deadLetterTopic = deadLetterTopic;
    this.applicationId = applicationId;
    this.linkTtl = linkTtl;
    this.checkInterval = checkInterval;
    this.rejected = Counter.builder("cdn.topology.events.rejected")
        .description("events dead-lettered by the topology (invalid or unprocessable)").register(meters);
    this.expired = Counter.builder("cdn.topology.links.expired")
        .description("link measurements dropped because they were not refreshed within the TTL").register(meters);
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.ttlStore = context.getStateStore(TopologyNames.LINK_TTL_STORE);
    this.graphStore = context.getStateStore(TopologyNames.GRAPH_STORE);
    context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::expireLinks);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord event = record.value();
    try {
      if (event == null) {
        throw new EventRules.RejectedEvent("empty value");
      }
      if (event instanceof LinkMeasured link) {
        EventRules.checkLink(link);
        String key = GraphChangeRecords.linkKey(link.getFromId(), link.getToId());
        Long before = ttlStore.get(key);
        ttlStore.put(key, before == null ? record.timestamp() : Math.max(before, record.timestamp()));
        forwardChange(record, key, GraphChangeRecords.linkValue(link));
      } else if (event instanceof PeerJoined joined) {
        EventRules.checkJoined(joined);
        forwardChange(record, GraphChangeRecords.nodeKey(joined.getPeerId()), GraphChangeRecords.nodeValue(joined));
      } else if (event instanceof PeerLeft left) {
        EventRules.checkPeerId(left.getPeerId());
        removeNode(record, left.getPeerId());
      } else if (event instanceof PeerExpired gone) {
        EventRules.checkPeerId(gone.getPeerId());
        removeNode(record, gone.getPeerId());
      } else if (!(event instanceof PeerHeartbeat)) {
        throw new EventRules.RejectedEvent("unexpected event type " + event.getSchema().getFullName());
      }
    } catch (RuntimeException e) {
      deadLetter(record, e);
    }
  }

  private void removeNode(Record<String, SpecificRecord> record, String id) {
    Set<String> linkKeys = new LinkedHashSet<>();
    List<String> owned = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = ttlStore.prefixScan(GraphChangeRecords.linksFromPrefix(id),
        new StringSerializer())) {
      it.forEachRemaining(kv -> owned.add(kv.key));
    }
    owned.forEach(ttlStore::delete);
    linkKeys.addAll(owned);
    // Links measured *to* the node belong to other tasks; the global store knows them all.
    try (KeyValueIterator<String, String> it = graphStore.prefixScan(GraphChangeRecords.LINK_PREFIX,
        new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, String> kv = it.next();
        String[] ends = GraphChangeRecords.linkEnds(kv.key);
        if (ends != null && (ends[0].equals(id) || ends[1].equals(id))) {
          linkKeys.add(kv.key);
        }
      }
    }
    for (String key : linkKeys) {
      forwardChange(record, key, null);
    }
    forwardChange(record, GraphChangeRecords.nodeKey(id), null);
  }

  private void expireLinks(long now) {
    List<KeyValue<String, Long>> stale = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = ttlStore.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> kv = it.next();
        if (now - kv.value > linkTtl.toMillis()) {
          stale.add(kv);
        }
      }
    }
    for (KeyValue<String, Long> kv : stale) {
      ttlStore.delete(kv.key);
      context.forward(new Record<String, Object>(kv.key, null, now), TopologyNames.GRAPH_CHANGES_SINK);
      expired.increment();
    }
    if (!stale.isEmpty()) {
      LOG.debug("expired {} links not refreshed within {} ms", stale.size(), linkTtl.toMillis());
    }
  }

  private void forwardChange(Record<String, SpecificRecord> source, String key, String value) {
    context.forward(new Record<String, Object>(key, value, source.timestamp()), TopologyNames.GRAPH_CHANGES_SINK);
  }

  private void deadLetter(Record<String, SpecificRecord> record, RuntimeException error) {
    rejected.increment();
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String topic = meta == null ? "unknown" : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    LOG.warn("rejected record at {} sent to {}: {}", DeadLetters.where(topic, partition, offset), deadLetterTopic,
        error.getMessage());
    byte[] value = null;
    if (record.value() != null) {
      try {
        value = codec.encode(topic, record.value());
      } catch (RuntimeException e) {
        LOG.warn("could not re-encode rejected record at {}: {}", DeadLetters.where(topic, partition, offset),
            e.toString());
      }
    }
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> letter = DeadLetters.record(deadLetterTopic, topic, partition, offset, key, value,
        error, applicationId);
    context.forward(new Record<String, Object>(record.key(), value, record.timestamp(), letter.headers()),
        TopologyNames.DEAD_LETTER_SINK);
  }
}
