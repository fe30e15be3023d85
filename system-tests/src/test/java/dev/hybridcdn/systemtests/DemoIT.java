package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridcdn.ops.demo.Demo;
import dev.hybridcdn.ops.demo.DemoCommand;
import dev.hybridcdn.ops.demo.DemoOptions;
import dev.hybridcdn.ops.replay.EventTail;
import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.replay.Replay;
import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.JsonReport;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code cdn demo --quick} in process, on real components: embedded Kafka (KRaft), PostgreSQL and
 * Redis, FFmpeg ingest of the shipped tracks, the origin, two edges, the tracker and topology
 * apps, 12 peers and 24 players with churn. Then the history checks: a replay of the run gives the
 * players' per-tier counts, survives a poison record, and {@code events tail} prints the events.
 */
class DemoIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void quickDemoDeliversEverySegmentOffloadsTheOriginAndTheHistoryAgrees() throws Exception {
    Path data = Files.createTempDirectory("cdn-demo-it-");
    DemoOptions options = DemoOptions.quick(data, ROOT.resolve("media")).withKeepRunning(true);
    try (Demo demo = new Demo(options, System.err)) {
      Demo.Outcome out = demo.run();
      Summary players = out.hybrid().players();

      // What a newcomer reads in the report: nothing failed, the origin was offloaded, peers shared.
      assertThat(players.failures()).as("failed player requests: %s", out.hybrid().swarm().failures()).isZero();
      assertThat(players.requests()).as("segments answered").isGreaterThan(0);
      assertThat(players.offload()).isGreaterThan(0);
      // Peers shared: what they fetched from other peers and kept (their fetch ledgers). The players' own
      // requests are mostly local hits of it (warm starts, read-ahead), so their "peer" tier may be empty.
      long fromPeers = out.hybrid().fetches().entrySet().stream()
          .filter(e -> e.getKey().startsWith("bytes.") && e.getKey().endsWith(".peer"))
          .mapToLong(Map.Entry::getValue).sum();
      assertThat(fromPeers).as("bytes peers fetched from other peers: %s", out.hybrid().fetches()).isGreaterThan(0);
      assertThat(out.hybrid().historyMatches()).as("history %s vs players %s", out.hybrid().history().requestsByTier(),
          players.requestsByTier()).isTrue();

      // The same summary as `./cdn demo --quick --json` prints it.
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      DemoCommand.print(out, true, new PrintStream(json, true, StandardCharsets.UTF_8));
      JsonNode doc = JsonReport.mapper().readTree(json.toString(StandardCharsets.UTF_8));
      assertThat(doc.get("failures").asLong()).isZero();
      assertThat(doc.get("offload").asDouble()).isGreaterThan(0);
      assertThat(doc.get("bytesByTier").has("peer")).isTrue();
      for (String field : List.of("requests", "uniqueBytes", "originBytes", "latencyMsByTier", "p2pShare")) {
        assertThat(doc.has(field)).as(field).isTrue();
      }

      // The history is the source of truth: a replay of the whole run (the broker is the demo's
      // own) gives the players' per-tier requests and bytes.
      String bootstrap = demo.stack().kafkaBootstrapServers();
      HistoryReader reader = new HistoryReader(bootstrap, TopicRegistry.defaults(), Duration.ofSeconds(60));
      Summary replay = Replay.analyse(reader, null, null).summary(10);
      assertThat(replay.requestsByTier()).isEqualTo(players.requestsByTier());
      assertThat(replay.bytesByTier()).isEqualTo(players.bytesByTier());
      assertThat(replay.peers().joined()).isGreaterThanOrEqualTo(options.peers());
      assertThat(replay.edge().requests()).isGreaterThan(0);

      // A poison record in the history is dead-lettered and skipped; the counts stay.
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>("cdn.delivery-events", "peer-1",
            "not an event".getBytes(StandardCharsets.UTF_8))).get();
      }
      DeliveryAnalysis again = new DeliveryAnalysis("history", false);
      HistoryReader.Result r = reader.read(List.of(CdnTopic.DELIVERY_EVENTS), null, null, again::accept);
      assertThat(r.deadLettered()).isEqualTo(1);
      assertThat(again.summary(10).requestsByTier()).isEqualTo(players.requestsByTier());
      AtomicLong deadLetters = new AtomicLong();
      try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(Map.of(
          "bootstrap.servers", bootstrap, "auto.offset.reset", "earliest", "group.id", "demo-it-dlq"),
          new org.apache.kafka.common.serialization.StringDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        consumer.subscribe(List.of("cdn.dead-letters"));
        await("the poison record in cdn.dead-letters").atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(rec -> {
            if ("not an event".equals(new String(rec.value(), StandardCharsets.UTF_8))) {
              deadLetters.incrementAndGet();
            }
          });
          return deadLetters.get() > 0;
        });
      }

      // `cdn events tail delivery-events --from-beginning` prints Avro JSON lines.
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      long printed = new EventTail(bootstrap, TopicRegistry.defaults()).tail("delivery-events", true, 5,
          Duration.ofSeconds(20), new PrintStream(lines, true, StandardCharsets.UTF_8));
      assertThat(printed).isEqualTo(5);
      List<String> text = lines.toString(StandardCharsets.UTF_8).lines().toList();
      assertThat(text).hasSize(5);
      JsonNode first = JsonReport.mapper().readTree(text.get(0));
      assertThat(first.get("type").asText()).isEqualTo("SegmentDelivered");
      assertThat(first.get("event").get("tier").asText()).isIn("LOCAL", "PEER", "EDGE", "ORIGIN");
      assertThat(first.get("topic").asText()).isEqualTo("cdn.delivery-events");
    }
    assertThat(data).as("the demo deletes its data").doesNotExist();
  }
}
