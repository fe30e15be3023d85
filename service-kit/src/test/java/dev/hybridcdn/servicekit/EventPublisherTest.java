package dev.hybridcdn.servicekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.Drain;
import dev.hybridcdn.servicekit.events.EventPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EventPublisherTest {
  private final TopicRegistry topics = TopicRegistry.defaults();

  /** A producer whose send() blocks like a real one does while the broker is unreachable. */
  private static final class StalledProducer extends MockProducer<String, byte[]> {
    final CountDownLatch brokerBack = new CountDownLatch(1);

    StalledProducer() {
      super(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
      try {
        brokerBack.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.send(record, callback);
    }
  }

  @Test
  void publishNeverBlocksAndCountsOverflowWhileTheBrokerIsAway() {
    StalledProducer producer = new StalledProducer();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventPublisher publisher = new EventPublisher(producer, topics, 10, metrics);

    long t0 = System.nanoTime();
    int accepted = 0;
    for (int i = 0; i < 100; i++) {
      if (publisher.publish(CdnTopic.PEER_EVENTS, "peer-1", new PeerLeft("peer-1", (long) i, "shutdown"))) {
        accepted++;
      }
    }
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    // Ten wait in the buffer; before send() stalled, the drain thread may have taken up to a batch
    // (here the buffer's ten) off it. The rest are dropped.
    assertThat(accepted).isBetween(10, 10 + Math.min(10, Drain.BATCH));
    assertThat(publisher.droppedCount()).isEqualTo(100 - accepted);
    assertThat(metrics.get("cdn.events.dropped").counter().count()).isEqualTo(100 - accepted);
    assertThat(elapsedMs).as("publish returned at once although the producer is stalled").isLessThan(5_000);

    producer.brokerBack.countDown(); // the broker returns: everything buffered is delivered
    int expected = accepted;
    org.awaitility.Awaitility.await("buffered events sent").atMost(Duration.ofSeconds(10))
        .until(() -> producer.history().size() == expected);
    assertThat(producer.history()).allSatisfy(r -> assertThat(r.topic()).isEqualTo("cdn.peer-events"));
    assertThat(topics.codec().decode("cdn.peer-events", producer.history().get(0).value()))
        .isEqualTo(new PeerLeft("peer-1", 0L, "shutdown"));
    publisher.close(Duration.ofSeconds(2));
  }

  @Test
  void refusesAnEventOnATopicThatDoesNotCarryIt() {
    EventPublisher publisher = new EventPublisher(new MockProducer<>(true, null, new StringSerializer(),
        new ByteArraySerializer()), topics, 10, new SimpleMeterRegistry());
    assertThatThrownBy(() -> publisher.publish(CdnTopic.CATALOG, "demo", new PeerLeft("p", 1L, "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CATALOG");
    publisher.close(Duration.ofSeconds(1));
  }
}
