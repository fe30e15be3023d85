package dev.hybridcdn.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One tracker instance on a real broker, driven over real HTTP. */
class TrackerAppIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir
  static Path stateDir;

  static TrackerFixture fx;
  static TrackerApp app;

  @BeforeAll
  static void start() {
    fx = new TrackerFixture(KAFKA.bootstrapServers(), KAFKA.uniquePrefix("tracker-app"));
    app = TrackerApp.start(fx.config(stateDir, Map.of()));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  @Test
  void lookupRanksHoldersAndExcludesTheRequester() {
    fx.join("it-a1", "eu-west");
    fx.join("it-a2", "us-east");
    fx.join("it-a3", "eu-west");
    for (String p : List.of("it-a1", "it-a2", "it-a3")) {
      fx.cache(p, "song-a/128k/seg00000.ts");
    }
    fx.producer.flush();
    var answer = TrackerFixture.within("three holders of song-a", Duration.ofSeconds(20)).until(() -> {
      var a = fx.get(app.port(), "/segments/song-a/128k/seg00000.ts/peers?region=eu-west&exclude=it-a1&limit=5");
      return a.status() == 200 && a.body().getJsonArray("holders").size() == 2 ? a : null;
    }, java.util.Objects::nonNull);
    assertThat(answer.body().getString("segmentId")).isEqualTo("song-a/128k/seg00000.ts");
    var first = answer.body().getJsonArray("holders").getJsonObject(0);
    assertThat(first.getString("peerId")).isEqualTo("it-a3"); // same region first
    assertThat(first.getString("baseUrl")).isEqualTo("http://127.0.0.1:1/it-a3");
    assertThat(first.getString("region")).isEqualTo("eu-west");
    assertThat(first.containsKey("rttMs")).isTrue();
    assertThat(first.getDouble("load")).isEqualTo(0.0);
    assertThat(answer.body().getJsonArray("holders").getJsonObject(1).getString("peerId")).isEqualTo("it-a2");
    assertThat(fx.get(app.port(), "/segments/song-a/128k/seg00000.ts/peers?limit=1").body()
        .getJsonArray("holders")).hasSize(1);

    var peer = fx.get(app.port(), "/peers/it-a2");
    assertThat(peer.status()).isEqualTo(200);
    assertThat(peer.body().getString("region")).isEqualTo("us-east");
    assertThat(peer.body().getInteger("heldSegments")).isEqualTo(1);
    assertThat(fx.get(app.port(), "/peers").body().getJsonArray("peers").stream()
        .map(o -> ((io.vertx.core.json.JsonObject) o).getString("peerId"))).contains("it-a1", "it-a2", "it-a3");
    var content = fx.get(app.port(), "/content").body();
    var song = content.getJsonArray("songs").stream().map(o -> (io.vertx.core.json.JsonObject) o)
        .filter(o -> o.getString("songId").equals("song-a")).findFirst().orElseThrow();
    assertThat(song.getJsonArray("segments").getJsonObject(0).getInteger("holders")).isEqualTo(3);
    var availability = fx.get(app.port(), "/songs/song-a/availability").body();
    assertThat(availability.getString("songId")).isEqualTo("song-a");
    assertThat(availability.getJsonObject("segments").getMap())
        .isEqualTo(song.getJsonArray("segments").stream().map(o -> (io.vertx.core.json.JsonObject) o)
            .collect(java.util.stream.Collectors.toMap(o -> o.getString("segmentId"), o -> o.getInteger("holders"))));
    assertThat(fx.get(app.port(), "/songs/Song!/availability").body().getString("error")).isEqualTo("invalid_song_id");
    var popular = fx.get(app.port(), "/songs/popular?limit=20").body().getJsonArray("songs").stream()
        .map(o -> (io.vertx.core.json.JsonObject) o).filter(o -> o.getString("songId").equals("song-a")).findFirst()
        .orElseThrow();
    assertThat(popular.getInteger("holders")).isEqualTo(song.getInteger("holders"));
    assertThat(popular.getJsonObject("renditions").getMap()).isEqualTo(Map.of("128k", song.getInteger("holders")));
    assertThat(fx.get(app.port(), "/songs/popular?limit=0").body().getString("error")).isEqualTo("invalid_limit");
  }

  @Test
  void badInputIs400AndUnknownIs404WithTheEnvelope() {
    var unknown = fx.get(app.port(), "/segments/nobody/64k/seg00009.ts/peers");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().getString("error")).isEqualTo("unknown_segment");
    assertThat(fx.get(app.port(), "/peers/ghost").body().getString("error")).isEqualTo("unknown_peer");
    assertThat(fx.get(app.port(), "/segments/Demo/128k/seg%2000.ts/peers").status()).isEqualTo(400);
    var badLimit = fx.get(app.port(), "/segments/demo/128k/seg00000.ts/peers?limit=0");
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.body().getString("error")).isEqualTo("invalid_limit");
    assertThat(fx.get(app.port(), "/segments/demo/128k/seg00000.ts/peers?exclude=a,b%20c").body()
        .getString("error")).isEqualTo("invalid_peer_id");
    assertThat(fx.get(app.port(), "/segments/demo/128k/seg00000.ts/peers?region=EU!").status()).isEqualTo(400);
  }

  @Test
  void aSegmentNoOneHoldsIsClaimedByItsFirstFetcherAndOthersAreToldToWaitUntilAHolderAppears() {
    String path = "/segments/song-c/128k/seg00003.ts/peers?claim=true&exclude=";
    var first = fx.get(app.port(), path + "it-c1");
    assertThat(first.status()).isEqualTo(404);
    assertThat(first.body().getString("error")).as("the first asker claims it").isEqualTo("unknown_segment");
    assertThat(fx.get(app.port(), path + "it-c1").body().getString("error")).as("its own claim")
        .isEqualTo("unknown_segment");
    var second = fx.get(app.port(), path + "it-c2");
    assertThat(second.status()).isEqualTo(404);
    assertThat(second.body().getString("error")).isEqualTo("being_fetched");
    assertThat(second.body().getString("message")).contains("it-c1");
    assertThat(fx.get(app.port(), "/segments/song-c/128k/seg00003.ts/peers?exclude=it-c3").body()
        .getString("error")).as("a lookup without claim is told too").isEqualTo("being_fetched");

    fx.join("it-c1", "eu-west");
    fx.cache("it-c1", "song-c/128k/seg00003.ts");
    fx.producer.flush();
    TrackerFixture.within("the claimant's copy announced", Duration.ofSeconds(20))
        .until(() -> fx.get(app.port(), path + "it-c2").status(), s -> s == 200);
    assertThat(fx.get(app.port(), path + "it-c2").body().getJsonArray("holders").getJsonObject(0)
        .getString("peerId")).isEqualTo("it-c1");

    assertThat(fx.get(app.port(), "/segments/song-c/128k/seg00004.ts/peers?claim=yes&exclude=it-c2").body()
        .getString("error")).isEqualTo("invalid_claim");
    assertThat(fx.get(app.port(), "/segments/song-c/128k/seg00004.ts/peers?claim=true").body()
        .getString("error")).isEqualTo("claim_without_requester");
  }

  @Test
  void expiryIsVisibleOverHttpWithinTtlPlusOneSecondOfTheLastHeartbeat() {
    fx.join("it-x1", "eu-west");
    fx.cache("it-x1", "song-x/64k/seg00000.ts");
    fx.heartbeat("it-x1");
    fx.producer.flush();
    TrackerFixture.within("it-x1 listed", Duration.ofSeconds(20)).until(() ->
        fx.get(app.port(), "/segments/song-x/64k/seg00000.ts/peers").status() == 200);
    // Keep it alive for a while, then fall silent.
    long lastHeartbeat = 0;
    for (int i = 0; i < 3; i++) {
      fx.heartbeat("it-x1");
      fx.producer.flush();
      lastHeartbeat = System.nanoTime();
      long beat = lastHeartbeat;
      TrackerFixture.within("heartbeat interval", Duration.ofSeconds(5)).until(() -> System.nanoTime() - beat > 400_000_000L);
      assertThat(fx.get(app.port(), "/segments/song-x/64k/seg00000.ts/peers").status()).isEqualTo(200);
    }
    long silentSince = lastHeartbeat;
    // The rest of the swarm keeps talking: with no input at all the reaper pauses (ReapGate).
    fx.join("it-x2", "eu-west");
    java.util.concurrent.ScheduledExecutorService swarm = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    swarm.scheduleAtFixedRate(() -> {
      fx.heartbeat("it-x2");
      fx.producer.flush();
    }, 0, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      TrackerFixture.within("it-x1 expired over HTTP within TTL + 1 s", Duration.ofMillis(1500 + 1000)).until(
          () -> fx.get(app.port(), "/segments/song-x/64k/seg00000.ts/peers").status() == 404);
    } finally {
      swarm.shutdownNow();
    }
    long tookMs = (System.nanoTime() - silentSince) / 1_000_000;
    assertThat(tookMs).isLessThanOrEqualTo(2500);
    assertThat(fx.get(app.port(), "/peers/it-x1").status()).isEqualTo(404);
    assertThat(fx.get(app.port(), "/metrics").raw().body()).contains("cdn_tracker_expirations_total")
        .contains("cdn_tracker_live_peers").contains("cdn_tracker_lookups_total");

    try (KafkaConsumer<String, SpecificRecord> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
        "it-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
        fx.topics.valueSerde().deserializer())) {
      c.subscribe(List.of(fx.topics.name(CdnTopic.PEER_EXPIRATIONS)));
      List<ConsumerRecord<String, SpecificRecord>> seen = new ArrayList<>();
      TrackerFixture.within("PeerExpired of it-x1", Duration.ofSeconds(15)).until(() -> {
        c.poll(Duration.ofMillis(100)).forEach(seen::add);
        return seen.stream().anyMatch(r -> r.key().equals("it-x1") && r.value() instanceof PeerExpired);
      });
    }
  }

  @Test
  void poisonRecordIsDeadLetteredAndProcessingGoesOn() {
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(fx.topics.name(CdnTopic.SEGMENT_EVENTS), "it-p1".getBytes(StandardCharsets.UTF_8),
          "garbage".getBytes(StandardCharsets.UTF_8)));
    }
    fx.join("it-p1", "eu-west");
    fx.cache("it-p1", "song-p/64k/seg00000.ts");
    fx.producer.flush();
    TrackerFixture.within("event after the poison record processed", Duration.ofSeconds(20)).until(
        () -> fx.get(app.port(), "/segments/song-p/64k/seg00000.ts/peers").status() == 200);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
        "it-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(fx.topics.name(CdnTopic.DEAD_LETTERS)));
      List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
      TrackerFixture.within("the poison record in dead letters", Duration.ofSeconds(15)).until(() -> {
        c.poll(Duration.ofMillis(100)).forEach(seen::add);
        return !seen.isEmpty();
      });
      assertThat(new String(seen.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
      assertThat(DeadLetters.header(seen.get(0).headers(), DeadLetters.SOURCE_TOPIC))
          .isEqualTo(fx.topics.name(CdnTopic.SEGMENT_EVENTS));
    }
  }

  @Test
  void healthIsUpWhenRunningAndStatsCountLookups() {
    var health = fx.get(app.port(), "/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body().getString("status")).isEqualTo("UP");
    var stats = fx.get(app.port(), "/stats").body();
    assertThat(stats.getString("state")).isEqualTo("RUNNING");
    assertThat(stats.getJsonArray("activePartitions")).isNotEmpty();
    assertThat(stats.getBoolean("reapingPaused")).isNotNull(); // true here unless events flowed in the last 1.5 s
  }
}
