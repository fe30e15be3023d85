package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.kafka.registry.ApicurioRegistry;
import dev.hybridcdn.ops.replay.EventTail;
import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.replay.Replay;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.schemas.registry.RegistryCodec;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A running system migrates to registry mode, on real components: a real Apicurio Registry
 * process (unpacked from Maven Central by this module's pom) and the local stack in this JVM
 * (embedded Kafka, PostgreSQL, Redis, origin, tracker, topology, edges, peers). Step 1, every
 * service reads both formats but writes the single-object encoding ({@code EVENT_ENCODING=
 * single-object}): players play through a first delivery tier. Step 2, new edges and peers write
 * the Confluent format: players play through them. The history then holds both encodings, and a
 * replay of it counts exactly what the players of both steps were answered.
 */
class RegistryMigrationIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void replayOverBothEncodingsEqualsThePlayersCounts() throws Exception {
    Path data = Files.createTempDirectory("cdn-registry-it-");
    String home = System.getProperty("apicurio.home");
    Path installed = home != null ? ApicurioRegistry.home(Path.of(home))
        : ApicurioRegistry.install(Path.of("target/apicurio-cache"));
    try (ApicurioRegistry registry = ApicurioRegistry.start(installed, 0, data.resolve("registry.log"));
        LocalStack stack = LocalStack.start(StackOptions.of(data.resolve("stack"), false)
            .withSchemaRegistry(registry.url()), line -> System.err.println("• " + line))) {
      stack.eventEncoding("single-object");
      Path song = MediaFiles.list(ROOT.resolve("media")).stream()
          .min(Comparator.comparingLong(RegistryMigrationIT::size)).orElseThrow();
      stack.ingest(List.of(song), line -> System.err.println("• " + line));
      SwarmOptions players = SwarmOptions.defaults().withPlayers(8).withSpeedup(20).withRamp(Duration.ofSeconds(4))
          .withSongs(1, 4).withRendition("128k");

      Summary before = play(stack, "a-", players.withSeed(1));
      stack.eventEncoding("confluent");
      Summary after = play(stack, "b-", players.withSeed(2));
      assertThat(before.failures() + after.failures()).as("failed player requests").isZero();
      Map<String, Long> expected = new TreeMap<>(before.requestsByTier());
      after.requestsByTier().forEach((tier, n) -> expected.merge(tier, n, Long::sum));

      // The history holds both encodings, one per step.
      TopicRegistry topics = CommonConfig.from(new Env(stack.env())).topics();
      assertThat(topics.codec()).isInstanceOf(RegistryCodec.class);
      long[] firstBytes = countEncodings(stack.kafkaBootstrapServers(), topics.name(CdnTopic.DELIVERY_EVENTS));
      assertThat(firstBytes[0]).as("single-object delivery events").isEqualTo(before.requests());
      assertThat(firstBytes[1]).as("Confluent-format delivery events").isEqualTo(after.requests());

      // `cdn replay` over the mixed topic: the players' counts of both steps, nothing dead-lettered.
      HistoryReader reader = new HistoryReader(stack.kafkaBootstrapServers(), topics, Duration.ofSeconds(60));
      Summary replay = Replay.analyse(reader, null, null).summary(10);
      System.err.printf("• players %s (single-object %d, Confluent %d); replay %s%n", expected, before.requests(),
          after.requests(), replay.requestsByTier());
      assertThat(new TreeMap<>(replay.requestsByTier())).isEqualTo(expected);
      HistoryReader.Result r = reader.read(List.of(CdnTopic.DELIVERY_EVENTS), null, null, e -> { });
      assertThat(r.deadLettered()).isZero();
      assertThat(r.events()).isEqualTo(before.requests() + after.requests());

      // `cdn events tail delivery-events --from-beginning` prints every event of both encodings.
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      long printed = new EventTail(stack.kafkaBootstrapServers(), topics).tail("delivery-events", true,
          before.requests() + after.requests(), Duration.ofSeconds(20), new PrintStream(lines, true, StandardCharsets.UTF_8));
      assertThat(printed).isEqualTo(before.requests() + after.requests());
    }
  }

  /** One step: a delivery tier (2 edges, 4 peers), the players through it, the tier closed (events flushed). */
  private static Summary play(LocalStack stack, String idPrefix, SwarmOptions options) throws InterruptedException {
    Delivery delivery = stack.startDelivery(idPrefix, 4, true);
    try (Swarm swarm = new Swarm(stack.originUrl(), new PeerDirectory(delivery.peers()), delivery, options)) {
      return swarm.run().analysis().summary(10);
    } finally {
      delivery.close();
    }
  }

  /** Records on {@code topic} by first byte: [0] single-object (0xC3), [1] Confluent (0x00). */
  private static long[] countEncodings(String bootstrap, String topic) {
    long[] counts = new long[2];
    List<Long> total = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long end = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
      total.add(0L);
      await("every record of " + topic).atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(rec -> {
          counts[rec.value()[0] == 0 ? 1 : 0]++;
          total.set(0, total.get(0) + 1);
        });
        return total.get(0) >= end;
      });
    }
    return counts;
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
