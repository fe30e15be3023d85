package dev.hybridcdn.edge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.EventPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** EdgeServed made off the request path: one per answer, in answer order, the requester told apart. */
class ServedEventsTest {
  private final TopicRegistry topics = TopicRegistry.defaults();

  @Test
  void eachAnswerBecomesOneEdgeServedInOrderWithItsRequester() {
    MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
        new ByteArraySerializer());
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventPublisher publisher = new EventPublisher(producer, topics, 1000, metrics);
    ServedEvents events = new ServedEvents("edge-t", publisher, 1000, metrics);
    int n = 600; // more than one batch
    for (int i = 0; i < n; i++) {
      String peer = i % 3 == 1 ? "peer-" + i : null;
      String shieldFor = i % 3 == 2 ? "edge-b" : null;
      assertThat(events.offer(new ServedEvents.Served("demo/128k/seg" + i + ".ts", EdgeResult.HIT_MEMORY, i, 7, 1000L + i,
          peer, shieldFor, null))).isTrue();
    }
    await("events handed to the producer").atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == n);
    List<EdgeServed> sent = producer.history().stream()
        .map(r -> (EdgeServed) topics.codec().decode(r.topic(), r.value())).toList();
    assertThat(producer.history()).allSatisfy(r -> {
      assertThat(r.topic()).isEqualTo("cdn.edge-events");
      assertThat(r.key()).isEqualTo("edge-t");
    });
    for (int i = 0; i < n; i++) {
      EdgeServed e = sent.get(i);
      assertThat(e.getSegmentId()).isEqualTo("demo/128k/seg" + i + ".ts");
      assertThat(e.getEdgeId()).isEqualTo("edge-t");
      assertThat(e.getBytes()).isEqualTo(i);
      assertThat(e.getTs()).isEqualTo(1000L + i);
      assertThat(e.getLatencyMicros()).isEqualTo(7);
      EdgeRequester expected = i % 3 == 0 ? EdgeRequester.PLAYER : i % 3 == 1 ? EdgeRequester.PEER : EdgeRequester.EDGE;
      assertThat(e.getRequester()).isEqualTo(expected);
      assertThat(e.getRequesterPeerId()).isEqualTo(i % 3 == 0 ? null : i % 3 == 1 ? "peer-" + i : "edge-b");
    }
    events.close(Duration.ofSeconds(2));
    publisher.close(Duration.ofSeconds(2));
  }

  @Test
  void afterCloseOffersAreDroppedAndCounted() {
    MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
        new ByteArraySerializer());
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventPublisher publisher = new EventPublisher(producer, topics, 10, metrics);
    ServedEvents events = new ServedEvents("edge-t", publisher, 10, metrics);
    events.close(Duration.ofSeconds(2));
    assertThat(events.offer(new ServedEvents.Served("demo/128k/seg0.ts", EdgeResult.MISS, 1, 1, 1, null, null, null)))
        .isFalse();
    assertThat(metrics.get("cdn.events.dropped").counter().count()).isEqualTo(1);
    assertThat(publisher.droppedCount()).isEqualTo(1);
    publisher.close(Duration.ofSeconds(1));
  }
}
