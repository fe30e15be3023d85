package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.internal.GraphChangeLink;
import dev.hybridcdn.schemas.internal.GraphChangeNode;
import dev.hybridcdn.topology.TopologyNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import dev.hybridcdn.servicekit.identity.AdmissionException;
import dev.hybridcdn.streamskit.trust.SequenceGuard;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns link and peer events into graph changes ({@link GraphChangeRecord}) and expires links.
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
 * A record that breaks a rule throws {@link EventRules.RejectedEvent} (counted in
 * {@code cdn_topology_events_rejected_total}); the streams-kit processing handler then applies the
 * bad-record policy ({@code STREAMS_BAD_RECORD_POLICY}: dead-letter with the source headers,
 * continue, or fail), the same as for the tracker.
 */
public final class TopologyEventProcessor implements Processor<String, SpecificRecord, String, GraphChangeRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyEventProcessor.class);

  private final Duration linkTtl;
  private final Duration checkInterval;
  private final Counter rejected;
  private final Counter expired;
  private final EventRoutes<Record<String, SpecificRecord>> routes = new EventRoutes<Record<String, SpecificRecord>>()
      .on(LinkMeasured.class, this::measured)
      .on(PeerJoined.class, this::joined)
      .on(PeerLeft.class, (record, left) -> removeNode(record, left.getPeerId()))
      .on(PeerExpired.class, (record, gone) -> removeNode(record, gone.getPeerId()))
      .ignore(PeerHeartbeat.class);
  private ProcessorContext<String, GraphChangeRecord> context;
  private KeyValueStore<String, Long> ttlStore;
  private KeyValueStore<String, byte[]> graphStore;
  private SequenceGuard sequences;

  public TopologyEventProcessor(Duration linkTtl, Duration checkInterval, MeterRegistry meters) {
    this.linkTtl = linkTtl;
    this.checkInterval = checkInterval;
    this.rejected = Counter.builder("cdn.topology.events.rejected")
        .description("events dead-lettered by the topology (invalid or unprocessable)").register(meters);
    this.expired = Counter.builder("cdn.topology.links.expired")
        .description("link measurements dropped because they were not refreshed within the TTL").register(meters);
  }

  @Override
  public void init(ProcessorContext<String, GraphChangeRecord> context) {
    this.context = context;
    this.ttlStore = context.getStateStore(TopologyNames.LINK_TTL_STORE);
    this.graphStore = context.getStateStore(TopologyNames.GRAPH_STORE);
    this.sequences = new SequenceGuard(context.getStateStore(TopologyNames.EVENT_SEQUENCES));
    context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::expireLinks);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    try {
      if (record.value() == null) {
        throw new EventRules.RejectedEvent("empty value");
      }
      // A replayed or re-keyed signed event throws: the processing policy dead-letters it.
      sequences.check(context.recordMetadata().map(m -> m.topic()).orElse(""), record);
      routes.dispatch(record, record.value());
    } catch (EventRules.RejectedEvent | AdmissionException e) {
      rejected.increment();
      throw e;
    }
  }

  private void measured(Record<String, SpecificRecord> record, LinkMeasured link) {
    EventRules.checkLink(link);
    var change = new GraphChangeRecord.LinkUpsert(new GraphChangeLink(link.getFromId(), link.getToId(),
        link.getToKind(), link.getToRegion(), link.getRttMs(), link.getSamples(), link.getTs()));
    Long before = ttlStore.get(change.key());
    ttlStore.put(change.key(), before == null ? record.timestamp() : Math.max(before, record.timestamp()));
    forward(record.timestamp(), change);
  }

  private void joined(Record<String, SpecificRecord> record, PeerJoined joined) {
    EventRules.checkJoined(joined);
    forward(record.timestamp(), new GraphChangeRecord.NodeUpsert(
        new GraphChangeNode(joined.getPeerId(), NodeKind.PEER, joined.getRegion(), joined.getTs())));
  }

  private void removeNode(Record<String, SpecificRecord> record, String id) {
    EventRules.checkPeerId(id);
    Set<String> linkKeys = new LinkedHashSet<>();
    List<String> owned = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = ttlStore.prefixScan(GraphChangeRecord.linksFromPrefix(id),
        new StringSerializer())) {
      it.forEachRemaining(kv -> owned.add(kv.key));
    }
    owned.forEach(ttlStore::delete);
    linkKeys.addAll(owned);
    // Links measured *to* the node belong to other tasks; the global store knows them all.
    try (KeyValueIterator<String, byte[]> it = graphStore.prefixScan(GraphChangeRecord.LINK_PREFIX,
        new StringSerializer())) {
      while (it.hasNext()) {
        String key = it.next().key;
        String[] ends = GraphChangeRecord.linkEnds(key);
        if (ends != null && (ends[0].equals(id) || ends[1].equals(id))) {
          linkKeys.add(key);
        }
      }
    }
    for (String key : linkKeys) {
      String[] ends = GraphChangeRecord.linkEnds(key);
      forward(record.timestamp(), new GraphChangeRecord.LinkTombstone(ends[0], ends[1]));
    }
    forward(record.timestamp(), new GraphChangeRecord.NodeTombstone(id));
  }

  private void expireLinks(long now) {
    List<String> stale = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = ttlStore.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> kv = it.next();
        if (now - kv.value > linkTtl.toMillis()) {
          stale.add(kv.key);
        }
      }
    }
    for (String key : stale) {
      ttlStore.delete(key);
      String[] ends = GraphChangeRecord.linkEnds(key);
      forward(now, new GraphChangeRecord.LinkTombstone(ends[0], ends[1]));
      expired.increment();
    }
    if (!stale.isEmpty()) {
      LOG.debug("expired {} links not refreshed within {} ms", stale.size(), linkTtl.toMillis());
    }
  }

  private void forward(long timestamp, GraphChangeRecord change) {
    context.forward(new Record<>(change.key(), change, timestamp), TopologyNames.GRAPH_CHANGES_SINK);
  }
}
