package dev.hybridcdn.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.origin.ffmpeg.FFmpegTools;
import dev.hybridcdn.origin.ingest.HlsTranscoder;
import dev.hybridcdn.origin.ingest.IngestException;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin end to end with real FFmpeg (org.bytedeco binaries here), real PostgreSQL, a real
 * Kafka broker and the real HTTP server on loopback. The song is ingested once for the class.
 */
class OriginIngestIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** Real music (CC BY-SA 3.0, see media/ATTRIBUTION.md), 1:13. */
  static final Path SONG = Path.of("../media/manolo_camp-morning_coffee.mp3");
  static final String SONG_ID = "morning-coffee";

  static Vertx vertx;
  static OriginConfig config;
  static Ingester ingester;
  static OriginServer origin;
  static IngestResult first;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void ingestOnce() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("PGHOST", PG.host());
    env.put("PGPORT", Integer.toString(PG.port()));
    env.put("PGDATABASE", PG.database());
    env.put("PGUSER", PG.user());
    env.put("PGPASSWORD", PG.password());
    env.put("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    env.put("TOPIC_PREFIX", KAFKA.uniquePrefix("origin"));
    env.put("ORIGIN_RETENTION_MS", "5000");
    config = OriginConfig.from(new Env(env));
    vertx = Vertx.vertx();
    ingester = Ingester.start(vertx, config);
    origin = OriginServer.start(vertx, config);
    first = ingester.ingest(SONG, SONG_ID, "Morning Coffee");
  }

  @AfterAll
  static void close() {
    if (origin != null) {
      origin.close();
    }
    if (ingester != null) {
      ingester.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
  }

  @Test
  void threeRenditionsWhoseDurationsAddUpToTheTrackAndWhoseHashesMatchTheStoredBytes() throws Exception {
    Manifest m = first.manifest();
    assertThat(m.renditions()).extracting(Manifest.Rendition::name).containsExactly("64k", "128k", "192k");
    long trackMs = new HlsTranscoder(FFmpegTools.locate(null, null)).probeDurationMs(SONG);
    assertThat(trackMs).isBetween(72_000L, 74_000L); // 1:13 per media/ATTRIBUTION.md
    assertThat(m.durationMs()).isEqualTo(trackMs);
    for (Manifest.Rendition r : m.renditions()) {
      assertThat(r.segments()).hasSizeGreaterThanOrEqualTo(7);
      assertThat(Math.abs(r.durationMs() - trackMs)).as(r.name()).isLessThanOrEqualTo(10_000L);
      for (int i = 0; i < r.segments().size(); i++) {
        Manifest.Segment s = r.segments().get(i);
        assertThat(s.index()).isEqualTo(i);
        // Content-addressed (issue 12): index and the first 16 hex of the SHA-256.
        assertThat(s.segmentId()).isEqualTo(String.format("%s/%s/seg%05d-%s.ts", SONG_ID, r.name(), i,
            s.sha256().substring(0, 16)));
      }
    }
    assertThat(m.rendition("192k").bytes()).isGreaterThan(m.rendition("64k").bytes());

    Map<String, String> manifestHashes = hashesOf(m);
    Map<String, String> stored = new LinkedHashMap<>();
    try (Connection c = PG.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT rendition, file, bytes, sha256, data FROM origin_segments "
            + "WHERE song_id = '" + SONG_ID + "' ORDER BY rendition, idx")) {
      while (rs.next()) {
        byte[] data = rs.getBytes("data");
        String id = SONG_ID + "/" + rs.getString("rendition") + "/" + rs.getString("file");
        assertThat(sha256(data)).as(id).isEqualTo(rs.getString("sha256"));
        assertThat((long) data.length).as(id).isEqualTo(rs.getLong("bytes"));
        stored.put(id, sha256(data));
        // Issue 14: a SHA-256 per 64 KiB chunk of the stored bytes, in the manifest served.
        assertThat(m.segment(id).chunks()).as(id)
            .isEqualTo(Manifest.Chunks.of(data, Manifest.Chunks.DEFAULT_CHUNK_BYTES));
      }
    }
    assertThat(stored).isEqualTo(manifestHashes);
  }

  @Test
  void songPublishedArrivesOnTheBrokerWithTheDatabaseHashes() throws Exception {
    TopicRegistry topics = config.common().topics();
    String topic = topics.name(CdnTopic.CATALOG);
    SongPublished event = null;
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
      await("SongPublished for " + SONG_ID).atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        return seen.stream().anyMatch(r -> SONG_ID.equals(r.key()));
      });
      ConsumerRecord<String, byte[]> rec = seen.stream().filter(r -> SONG_ID.equals(r.key())).findFirst().orElseThrow();
      event = (SongPublished) topics.codec().decode(topic, rec.value());
    }
    assertThat(event.getSongId()).isEqualTo(SONG_ID);
    assertThat(event.getVersion()).isGreaterThanOrEqualTo(1);
    assertThat(event.getTitle()).isEqualTo("Morning Coffee");
    assertThat(event.getDurationMs()).isEqualTo(first.manifest().durationMs());
    Map<String, String> published = new LinkedHashMap<>();
    for (RenditionInfo r : event.getRenditions()) {
      assertThat(r.getCodec()).isEqualTo("mp4a.40.2");
      for (SegmentInfo s : r.getSegments()) {
        published.put(s.getSegmentId(), s.getSha256());
      }
    }
    assertThat(published).isEqualTo(storedHashes());
  }

  @Test
  void ffprobeReadsTheMasterPlaylistOverHttpAndFindsThreeAacPrograms() throws Exception {
    FFmpegTools tools = FFmpegTools.locate(null, null);
    Process p = tools.ffprobe(List.of("-v", "error", "-show_entries", "program=program_id:stream=codec_name,codec_type",
        "-of", "json", origin.baseUrl() + "/hls/" + SONG_ID + "/master.m3u8")).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    JsonArray programs = new JsonObject(new String(out, StandardCharsets.UTF_8)).getJsonArray("programs");
    assertThat(programs).hasSize(3);
    for (int i = 0; i < programs.size(); i++) {
      JsonArray streams = programs.getJsonObject(i).getJsonArray("streams");
      assertThat(streams).isNotEmpty();
      assertThat(streams.getJsonObject(0).getString("codec_name")).isEqualTo("aac");
      assertThat(streams.getJsonObject(0).getString("codec_type")).isEqualTo("audio");
    }
  }

  @Test
  void aSegmentFetchedOverHttpDecodes() throws Exception {
    FFmpegTools tools = FFmpegTools.locate(null, null);
    for (String id : List.of(first.manifest().rendition("128k").segments().get(1).segmentId(),
        first.manifest().rendition("64k").segments().get(0).segmentId())) {
      Process p = tools.ffmpeg(List.of("-nostdin", "-v", "error", "-i", origin.baseUrl() + "/segments/" + id,
          "-f", "null", "-")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).as(id).isBlank(); // -v error: no decode errors at all
    }
  }

  @Test
  void segmentsAreServedWithTypeLengthHashEtagAndImmutableCaching() throws Exception {
    Manifest.Segment seg = first.manifest().rendition("128k").segments().get(2);
    HttpResponse<byte[]> res = get("/segments/" + seg.segmentId(), Map.of());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type")).hasValue("video/mp2t");
    assertThat(res.headers().firstValue("Content-Length")).hasValue(Long.toString(seg.bytes()));
    assertThat(res.headers().firstValue("ETag")).hasValue("\"" + seg.sha256() + "\"");
    assertThat(res.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
    assertThat(sha256(res.body())).isEqualTo(seg.sha256());
    HttpResponse<byte[]> again = get("/segments/" + seg.segmentId(), Map.of("If-None-Match", "\"" + seg.sha256() + "\""));
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void rangeRequestsReturnExactlyTheRequestedBytes() throws Exception {
    Manifest.Segment seg = first.manifest().rendition("192k").segments().get(0);
    byte[] full = get("/segments/" + seg.segmentId(), Map.of()).body();
    HttpResponse<byte[]> mid = get("/segments/" + seg.segmentId(), Map.of("Range", "bytes=188-1315"));
    assertThat(mid.statusCode()).isEqualTo(206);
    assertThat(mid.headers().firstValue("Content-Range")).hasValue("bytes 188-1315/" + full.length);
    assertThat(mid.headers().firstValue("Content-Length")).hasValue("1128");
    assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(full, 188, 1316));
    HttpResponse<byte[]> tail = get("/segments/" + seg.segmentId(), Map.of("Range", "bytes=-100"));
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(full, full.length - 100, full.length));
    HttpResponse<byte[]> past = get("/segments/" + seg.segmentId(), Map.of("Range", "bytes=" + full.length + "-"));
    assertThat(past.statusCode()).isEqualTo(416);
    assertThat(past.headers().firstValue("Content-Range")).hasValue("bytes */" + full.length);
    assertThat(past.headers().firstValue("Cache-Control")).isEmpty();
    assertThat(new JsonObject(new String(past.body(), StandardCharsets.UTF_8)).getString("error"))
        .isEqualTo("range_not_satisfiable");
  }

  @Test
  void manifestSongsAndPlaylistsHaveTheSharedShapes() throws Exception {
    HttpResponse<byte[]> manifest = get("/songs/" + SONG_ID, Map.of());
    assertThat(manifest.statusCode()).isEqualTo(200);
    String text = new String(manifest.body(), StandardCharsets.UTF_8);
    assertThat(text).isEqualTo(ManifestJson.write(first.manifest()));
    assertThat(ManifestJson.parse(text)).isEqualTo(first.manifest());
    JsonObject json = new JsonObject(text);
    assertThat(json.getJsonArray("renditions").getJsonObject(1).getString("playlist"))
        .isEqualTo("/hls/" + SONG_ID + "/128k/playlist.m3u8");

    JsonObject songs = new JsonObject(new String(get("/songs", Map.of()).body(), StandardCharsets.UTF_8));
    assertThat(songs.getJsonArray("songs")).contains(new JsonObject().put("songId", SONG_ID)
        .put("title", "Morning Coffee").put("durationMs", first.manifest().durationMs())
        .put("renditions", new JsonArray(List.of("64k", "128k", "192k"))));

    HttpResponse<byte[]> master = get("/hls/" + SONG_ID + "/master.m3u8", Map.of());
    assertThat(master.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
    List<String> masterLines = new String(master.body(), StandardCharsets.UTF_8).lines().toList();
    assertThat(masterLines).filteredOn(l -> !l.startsWith("#"))
        .containsExactly("64k/playlist.m3u8", "128k/playlist.m3u8", "192k/playlist.m3u8");

    HttpResponse<byte[]> media = get("/hls/" + SONG_ID + "/128k/playlist.m3u8", Map.of());
    assertThat(media.statusCode()).isEqualTo(200);
    List<String> uris = new String(media.body(), StandardCharsets.UTF_8).lines()
        .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    assertThat(uris).isEqualTo(first.manifest().rendition("128k").segments().stream()
        .map(s -> "/segments/" + s.segmentId()).toList());
  }

  @Test
  void invalidIdsAndPathsAre400AndUnknownOnesAre404WithTheErrorEnvelope() throws Exception {
    String longName = "a".repeat(300);
    for (String path : List.of("/segments/" + SONG_ID + "/128k/../../songs", "/segments/../songs",
        "/segments/" + SONG_ID + "%2F128k%2Fseg00000.ts", "/segments/" + SONG_ID + "/128k/..%2F..%2Fsecret",
        "/segments/" + SONG_ID + "/128k/" + longName, "/segments/" + SONG_ID + "/fast/seg00000.ts",
        "/segments/" + SONG_ID + "/128k", "/songs/Bad_Id", "/songs/" + longName.substring(0, 65),
        "/hls/" + SONG_ID + "/fast/playlist.m3u8", "/hls/bad%20id/master.m3u8")) {
      RawResponse res = raw(path);
      assertThat(res.status).as(path).isEqualTo(400);
      JsonObject body = new JsonObject(res.body);
      assertThat(body.getString("error")).as(path).isNotBlank();
      assertThat(body.getString("message")).as(path).isNotBlank();
      assertThat(body.getJsonArray("details")).as(path).isNotNull();
    }
    Map<String, String> unknown = Map.of("/songs/no-such-song", "unknown_song",
        "/hls/no-such-song/master.m3u8", "unknown_song",
        "/hls/" + SONG_ID + "/96k/playlist.m3u8", "unknown_rendition",
        "/segments/no-such-song/128k/seg00000.ts", "unknown_segment",
        "/segments/" + SONG_ID + "/128k/seg99999.ts", "unknown_segment");
    for (var e : unknown.entrySet()) {
      RawResponse res = raw(e.getKey());
      assertThat(res.status).as(e.getKey()).isEqualTo(404);
      assertThat(new JsonObject(res.body).getString("error")).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void pingHealthAndMetrics() throws Exception {
    assertThat(get("/ping", Map.of()).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> health = get("/health", Map.of());
    assertThat(health.statusCode()).isEqualTo(200);
    JsonObject h = new JsonObject(new String(health.body(), StandardCharsets.UTF_8));
    assertThat(h.getString("status")).isEqualTo("UP");
    assertThat(h.getJsonObject("checks").getJsonObject("postgresql").getString("status")).isEqualTo("UP");

    Manifest.Segment seg = first.manifest().rendition("64k").segments().get(3);
    double before = metric("cdn_origin_segment_requests_total");
    double bytesBefore = metric("cdn_origin_bytes_served_total");
    get("/segments/" + seg.segmentId(), Map.of());
    get("/segments/" + seg.segmentId(), Map.of());
    assertThat(metric("cdn_origin_segment_requests_total") - before).isEqualTo(2.0);
    assertThat(metric("cdn_origin_bytes_served_total") - bytesBefore).isEqualTo(2.0 * seg.bytes());
  }

  @Test
  void reIngestOfTheSameAudioKeepsEverySegmentIdAndMakesTheNextVersion() throws Exception {
    Map<String, String> before = storedHashes();
    long rowsBefore = count("SELECT count(*) FROM origin_segments WHERE song_id = '" + SONG_ID + "'");
    long versionBefore = ManifestJson.parse(new String(get("/songs/" + SONG_ID, Map.of()).body(),
        StandardCharsets.UTF_8)).version();
    IngestResult again = ingester.ingest(SONG, SONG_ID, "Morning Coffee");
    assertThat(again.manifest().version()).isEqualTo(versionBefore + 1);
    assertThat(again.manifest().withVersion(first.manifest().version())).isEqualTo(first.manifest());
    assertThat(storedHashes()).isEqualTo(before);
    assertThat(count("SELECT count(*) FROM origin_segments WHERE song_id = '" + SONG_ID + "'")).isEqualTo(rowsBefore);
    assertThat(count("SELECT count(*) FROM origin_segments WHERE song_id = '" + SONG_ID
        + "' AND superseded_at IS NOT NULL")).isZero();
    assertThat(count("SELECT count(*) FROM origin_songs WHERE song_id = '" + SONG_ID + "'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM origin_playlists WHERE song_id = '" + SONG_ID + "'")).isEqualTo(4);
  }

  @Test
  void aFailedIngestLeavesTheDatabaseUnchangedAndPublishesNothing(@TempDir Path dir) throws Exception {
    Path corrupt = dir.resolve("corrupt.mp3");
    byte[] noise = new byte[64 * 1024];
    new Random(42).nextBytes(noise);
    Files.write(corrupt, noise);
    Path empty = Files.createFile(dir.resolve("empty.mp3"));
    Path missing = dir.resolve("missing.mp3");
    Map<String, String> before = storedHashes();
    String manifestBefore = new String(get("/songs/" + SONG_ID, Map.of()).body(), StandardCharsets.UTF_8);
    long offsetsBefore = catalogEndOffsets();

    assertThatThrownBy(() -> ingester.ingest(corrupt, SONG_ID, "Noise")).isInstanceOf(IngestException.class)
        .hasMessageContaining(corrupt.toString()).hasMessageContaining("ffprobe")
        .satisfies(e -> assertThat(((IngestException) e).stored()).isFalse());
    assertThatThrownBy(() -> ingester.ingest(empty, SONG_ID, "Empty")).isInstanceOf(IngestException.class)
        .hasMessageContaining(empty.toString()).hasMessageContaining("empty");
    assertThatThrownBy(() -> ingester.ingest(missing, SONG_ID, "Missing")).isInstanceOf(IngestException.class)
        .hasMessageContaining(missing.toString()).hasMessageContaining("no such file");
    assertThatThrownBy(() -> ingester.ingest(corrupt, "new-song", "Noise")).isInstanceOf(IngestException.class);

    assertThat(storedHashes()).isEqualTo(before);
    assertThat(count("SELECT count(*) FROM origin_songs WHERE song_id = 'new-song'")).isZero();
    assertThat(new String(get("/songs/" + SONG_ID, Map.of()).body(), StandardCharsets.UTF_8)).isEqualTo(manifestBefore);
    assertThat(catalogEndOffsets()).isEqualTo(offsetsBefore);
  }

  @Test
  void reIngestWithOtherAudioSwitchesToNewIdsKeepsTheOldOnesForTheRetentionThenRetiresThem(@TempDir Path dir)
      throws Exception {
    Path low = tone(dir, 440, "low.wav");
    Path high = tone(dir, 880, "high.flac");
    Manifest before = ingester.ingest(low, "tone", "Tone").manifest();
    Manifest.Segment seg = before.rendition("64k").segments().get(0);
    assertThat(sha256(get("/segments/" + seg.segmentId(), Map.of()).body())).isEqualTo(seg.sha256()); // now cached
    long catalogBefore = catalogEndOffsets();

    Manifest after = ingester.ingest(high, "tone", "Tone, an octave up").manifest();
    assertThat(after.version()).isEqualTo(before.version() + 1);
    Manifest.Segment replacement = after.rendition("64k").segments().get(0);
    assertThat(replacement.sha256()).isNotEqualTo(seg.sha256());
    assertThat(replacement.segmentId()).isNotEqualTo(seg.segmentId());
    // The manifest and playlists switched at once; the old id still has its old bytes (a player
    // holding the old playlist finishes it), the new id has the new ones.
    String text = new String(get("/songs/tone", Map.of()).body(), StandardCharsets.UTF_8);
    assertThat(ManifestJson.parse(text)).isEqualTo(after);
    assertThat(new JsonObject(text).getString("title")).isEqualTo("Tone, an octave up");
    assertThat(new JsonObject(text).getLong("version")).isEqualTo(after.version());
    String playlist = new String(get("/hls/tone/64k/playlist.m3u8", Map.of()).body(), StandardCharsets.UTF_8);
    assertThat(playlist).contains("/segments/" + replacement.segmentId()).doesNotContain(seg.segmentId());
    HttpResponse<byte[]> old = get("/segments/" + seg.segmentId(), Map.of());
    assertThat(old.statusCode()).isEqualTo(200);
    assertThat(sha256(old.body())).isEqualTo(seg.sha256());
    assertThat(sha256(get("/segments/" + replacement.segmentId(), Map.of()).body())).isEqualTo(replacement.sha256());

    // After ORIGIN_RETENTION_MS (5 s here) the old segments are deleted and SongRetired says which.
    await("the superseded segment retired").atMost(Duration.ofSeconds(30))
        .until(() -> get("/segments/" + seg.segmentId(), Map.of()).statusCode() == 404);
    assertThat(get("/segments/" + replacement.segmentId(), Map.of()).statusCode()).isEqualTo(200);
    Set<String> oldIds = new java.util.TreeSet<>(hashesOf(before).keySet());
    oldIds.removeAll(hashesOf(after).keySet());
    String topic = config.common().topics().name(CdnTopic.CATALOG);
    List<SongRetired> retired = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      await("SongRetired for tone").atMost(Duration.ofSeconds(30)).until(() -> {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (topics().codec().decode(topic, r.value()) instanceof SongRetired e && e.getSongId().equals("tone")) {
            assertThat(r.key()).isEqualTo("tone@v" + before.version());
            retired.add(e);
          }
        }
        return retired.stream().mapToInt(e -> e.getSegmentIds().size()).sum() >= oldIds.size();
      });
    }
    assertThat(retired).allSatisfy(e -> assertThat(e.getVersion()).isEqualTo(before.version()));
    Set<String> announced = new java.util.TreeSet<>();
    retired.forEach(e -> announced.addAll(e.getSegmentIds()));
    assertThat(announced).isEqualTo(oldIds);
    assertThat(catalogEndOffsets()).isGreaterThan(catalogBefore);
  }

  private static TopicRegistry topics() {
    return config.common().topics();
  }

  /** A 12 s sine tone made by the real FFmpeg (lavfi), as WAV or FLAC by extension. */
  private static Path tone(Path dir, int hz, String name) throws Exception {
    Path out = dir.resolve(name);
    Process p = FFmpegTools.locate(null, null).ffmpeg(List.of("-nostdin", "-v", "error", "-f", "lavfi", "-i",
        "sine=frequency=" + hz + ":duration=12", "-ar", "44100", out.toString())).redirectErrorStream(true).start();
    String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(msg).isZero();
    return out;
  }

  // --- helpers

  private static Map<String, String> hashesOf(Manifest m) {
    Map<String, String> out = new java.util.TreeMap<>();
    m.renditions().forEach(r -> r.segments().forEach(s -> out.put(s.segmentId(), s.sha256())));
    return out;
  }

  /** Segment id -> SHA-256 of the class's song as stored in PostgreSQL. */
  private static Map<String, String> storedHashes() throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (Connection c = PG.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT song_id, rendition, file, sha256 FROM origin_segments WHERE song_id = '"
            + SONG_ID + "'")) {
      while (rs.next()) {
        out.put(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3), rs.getString(4));
      }
    }
    return out;
  }

  private static long count(String sql) throws Exception {
    try (Connection c = PG.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static KafkaConsumer<String, byte[]> consumer() {
    return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static long catalogEndOffsets() {
    String topic = config.common().topics().name(CdnTopic.CATALOG);
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static double metric(String name) throws Exception {
    String text = new String(get("/metrics", Map.of()).body(), StandardCharsets.UTF_8);
    return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static HttpResponse<byte[]> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin.baseUrl() + path)).timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private record RawResponse(int status, String body) {}

  /** A request with the path exactly as given (no client-side normalisation or encoding). */
  private static RawResponse raw(String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", origin.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      String text = buf.toString(StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyAt = text.indexOf("\r\n\r\n");
      return new RawResponse(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4));
    }
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
