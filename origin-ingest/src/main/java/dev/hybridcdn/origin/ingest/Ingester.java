package dev.hybridcdn.origin.ingest;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.SegmentNames;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ffmpeg.FFmpegTools;
import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests an audio file (anything FFmpeg decodes) as an HLS rendition ladder: ffprobe, one ffmpeg
 * run for all renditions, SHA-256 of every segment (named by it: {@link SegmentNames}), one
 * PostgreSQL transaction making it the song's next version, then {@code SongPublished} with that
 * version to {@code cdn.catalog} keyed by song id, acknowledged by the broker.
 *
 * <p>Blocking; call it from a worker or main thread, never from a Vert.x event loop. One instance
 * may run ingests from several threads.
 *
 * <pre>{@code
 * try (Ingester ingester = Ingester.start(OriginConfig.from(Env.system()))) {
 *   IngestResult r = ingester.ingest(Path.of("song.mp3"), "demo", "Demo");
 * }
 * }</pre>
 */
public final class Ingester implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ingester.class);

  private final OriginConfig config;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final OriginStore store;
  private final HlsTranscoder transcoder;
  private final TopicRegistry topics;
  private final KafkaProducer<String, byte[]> producer;

  private Ingester(OriginConfig config, Vertx vertx, boolean ownsVertx, OriginStore store, HlsTranscoder transcoder,
      KafkaProducer<String, byte[]> producer) {
    this.config = config;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.store = store;
    this.transcoder = transcoder;
    this.topics = config.common().topics();
    this.producer = producer;
  }

  /** {@link #start(Vertx, OriginConfig)} with a Vert.x instance of its own, closed by {@link #close()}. */
  public static Ingester start(OriginConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Locates FFmpeg, connects to PostgreSQL and migrates the schema, creates the Kafka topics when
   * missing and opens the producer. Blocking.
   *
   * @throws IllegalStateException with the reason when FFmpeg, PostgreSQL or Kafka is not usable
   */
  public static Ingester start(Vertx vertx, OriginConfig config) {
    return start(vertx, config, false);
  }

  private static Ingester start(Vertx vertx, OriginConfig config, boolean ownsVertx) {
    FFmpegTools tools = FFmpegTools.locate(config.ffmpegPath(), config.ffprobePath());
    OriginStore store = new OriginStore(vertx, config);
    KafkaProducer<String, byte[]> producer = null;
    try {
      await(store.migrate(), config.dbTimeout().multipliedBy(10), "migrate the schema in PostgreSQL at " + store.where());
      TopicRegistry topics = config.common().topics();
      TopicAdmin.ensureTopics(config.common().kafkaClient(), topics, config.common().replicationFactor(), config.publishTimeout());
      Map<String, Object> producerConfig = EventPublisher.producerConfig(config.common().kafkaClient(),
          "origin-ingest");
      int publishMs = (int) config.publishTimeout().toMillis();
      producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, publishMs);
      producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, publishMs);
      producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(publishMs, 10_000));
      producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
      producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
      return new Ingester(config, vertx, ownsVertx, store, new HlsTranscoder(tools), producer);
    } catch (RuntimeException e) {
      store.close();
      if (producer != null) {
        producer.close(Duration.ZERO);
      }
      throw e instanceof IllegalStateException ? e : new IllegalStateException(e.getMessage(), e);
    }
  }

  /** {@link #ingest(Path, String, String, HlsTranscoder.Progress)} without progress. */
  public IngestResult ingest(Path file, String songId, String title) {
    return ingest(file, songId, title, HlsTranscoder.Progress.NONE);
  }

  /**
   * Ingests {@code file} as song {@code songId}, replacing what that id had.
   *
   * @param title title; null or blank means the song id
   * @param progress receives transcode progress (ms of audio done of total)
   * @return the manifest as stored and published, with timings
   * @throws IllegalArgumentException for an invalid song id (nothing done)
   * @throws IngestException when the file is missing, empty or not decodable (message names the
   *     file and FFmpeg's reason), when PostgreSQL fails (nothing stored), or when Kafka does not
   *     acknowledge the event ({@link IngestException#stored()} true)
   */
  public IngestResult ingest(Path file, String songId, String title, HlsTranscoder.Progress progress) {
    if (!Ids.isSongId(songId)) {
      throw new IllegalArgumentException("invalid song id '" + songId + "': expected " + Ids.SONG_ID.pattern());
    }
    String songTitle = title == null || title.isBlank() ? songId : title.strip();
    if (!Files.isRegularFile(file)) {
      throw new IngestException("cannot ingest " + file + ": no such file", null);
    }
    try {
      if (Files.size(file) == 0) {
        throw new IngestException("cannot ingest " + file + ": the file is empty", null);
      }
    } catch (IOException e) {
      throw new IngestException("cannot ingest " + file + ": " + e.getMessage(), e);
    }
    long t0 = System.nanoTime();
    long durationMs = transcoder.probeDurationMs(file);
    Path work;
    try {
      work = Files.createTempDirectory("origin-ingest-" + songId + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
    try {
      long t1 = System.nanoTime();
      transcoder.transcode(file, work, config.renditions(), config.segmentSeconds(), durationMs, progress);
      long transcodeMs = (System.nanoTime() - t1) / 1_000_000;
      OriginStore.SongContent content = collect(work, songId, songTitle, durationMs, file);
      long version;
      try {
        version = await(store.replaceSong(content), Duration.ofMinutes(5), "store song " + songId);
      } catch (RuntimeException e) {
        throw new IngestException("cannot ingest " + file + ": storing song " + songId + " in PostgreSQL at "
            + store.where() + " failed: " + e.getMessage(), e);
      }
      Manifest published = content.manifest().withVersion(version);
      publish(published, file);
      long totalMs = (System.nanoTime() - t0) / 1_000_000;
      LOG.info("ingested {} as {} version {} ({} ms of audio, {} renditions) in {} ms", file, songId, version,
          durationMs, config.renditions().size(), totalMs);
      return new IngestResult(published, transcodeMs, totalMs);
    } finally {
      deleteTree(work);
    }
  }

  /** Piece size of a shared file: 4 MiB (64 chunks of 64 KiB), one segment id per piece. */
  public static final int FILE_PIECE_BYTES = 4 << 20;
  /**
   * The one "rendition" of a shared file's pieces. Segment ids keep their {@code <id>/<kbps>k/<file>}
   * shape so the tracker, edges and peers handle pieces as segments; {@code 1k} is no audio ladder.
   */
  public static final String FILE_RENDITION = "1k";
  /** Nominal duration of one piece in ms (playlists need one; nothing plays it). */
  static final long PIECE_MS = 1000;

  /**
   * Shares any file as chunked content (issue 14, seed 004's "register a file"): cut into pieces of
   * {@value #FILE_PIECE_BYTES} bytes, each a content-addressed segment with its SHA-256 and 64 KiB
   * chunk hashes, stored as the next version of {@code id} in one transaction and announced with
   * SongPublished, like a song. Peers fetch the pieces as segments (several holders at once).
   *
   * @param id content id, a song id ({@code [a-z0-9][a-z0-9_-]{0,63}})
   * @return the manifest as stored and published
   * @throws IllegalArgumentException for an invalid id
   * @throws IngestException when the file is missing, empty or over 2 GiB, or storing or publishing fails
   */
  public IngestResult share(Path file, String id) {
    if (!Ids.isSongId(id)) {
      throw new IllegalArgumentException("invalid content id '" + id + "': expected " + Ids.SONG_ID.pattern());
    }
    long t0 = System.nanoTime();
    byte[] data;
    try {
      if (!Files.isRegularFile(file) || Files.size(file) == 0 || Files.size(file) > Integer.MAX_VALUE - 8) {
        throw new IngestException("cannot share " + file + ": not a non-empty regular file under 2 GiB", null);
      }
      data = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IngestException("cannot share " + file + ": " + e.getMessage(), e);
    }
    List<Manifest.Segment> pieces = new ArrayList<>();
    List<Buffer> bytes = new ArrayList<>();
    StringBuilder media = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n");
    for (int off = 0, index = 0; off < data.length; off += FILE_PIECE_BYTES, index++) {
      byte[] piece = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + FILE_PIECE_BYTES));
      String sha = sha256(piece);
      String segmentId = id + "/" + FILE_RENDITION + "/" + SegmentNames.file(index, sha);
      pieces.add(new Manifest.Segment(segmentId, index, PIECE_MS, piece.length, sha,
          Manifest.Chunks.of(piece, Manifest.Chunks.DEFAULT_CHUNK_BYTES)));
      bytes.add(Buffer.buffer(piece));
      media.append("#EXTINF:1.000,\n").append(CdnPaths.segment(segmentId)).append('\n');
    }
    media.append("#EXT-X-ENDLIST\n");
    String name = file.getFileName().toString();
    Manifest manifest = new Manifest(id, name, PIECE_MS * pieces.size(), List.of(
        new Manifest.Rendition(FILE_RENDITION, Ids.bitrateKbps(FILE_RENDITION), Manifest.FILE_CODEC, pieces)));
    OriginStore.SongContent content = new OriginStore.SongContent(manifest, Playlists.master(manifest),
        Map.of(FILE_RENDITION, media.toString()), Map.of(FILE_RENDITION, bytes));
    long version;
    try {
      version = await(store.replaceSong(content), Duration.ofMinutes(5), "store " + id);
    } catch (RuntimeException e) {
      throw new IngestException("cannot share " + file + ": storing " + id + " in PostgreSQL at " + store.where()
          + " failed: " + e.getMessage(), e);
    }
    Manifest published = manifest.withVersion(version);
    publish(published, file);
    long totalMs = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("shared {} as {} version {} ({} bytes, {} pieces) in {} ms", file, id, version, data.length,
        pieces.size(), totalMs);
    return new IngestResult(published, 0, totalMs);
  }

  /**
   * Retires a song or shared file ({@link OriginStore#retireSong}): its manifest is gone at once,
   * its segments are deleted and announced as SongRetired by the origin's next retirement sweep.
   *
   * @return false when the id is unknown
   */
  public boolean retire(String id) {
    if (!Ids.isSongId(id)) {
      throw new IllegalArgumentException("invalid content id '" + id + "': expected " + Ids.SONG_ID.pattern());
    }
    return await(store.retireSong(id), Duration.ofMinutes(1), "retire " + id);
  }

  private OriginStore.SongContent collect(Path work, String songId, String title, long durationMs, Path file) {
    List<Manifest.Rendition> renditions = new ArrayList<>();
    Map<String, String> mediaPlaylists = new LinkedHashMap<>();
    Map<String, List<Buffer>> bytes = new LinkedHashMap<>();
    try {
      for (String name : config.renditions()) {
        Path dir = work.resolve(name);
        String text = Files.readString(dir.resolve(CdnPaths.MEDIA_PLAYLIST_FILE));
        List<Playlists.SegmentEntry> entries = Playlists.segments(text);
        if (entries.isEmpty()) {
          throw new IngestException("cannot ingest " + file + ": ffmpeg wrote no segments for " + name, null);
        }
        List<Manifest.Segment> segments = new ArrayList<>();
        List<Buffer> data = new ArrayList<>();
        Map<String, String> contentNames = new LinkedHashMap<>();
        int index = 0;
        for (Playlists.SegmentEntry entry : entries) {
          String written = entry.uri().substring(entry.uri().lastIndexOf('/') + 1);
          if (!Ids.FILE_NAME.matcher(written).matches()) {
            throw new IngestException("cannot ingest " + file + ": unexpected segment name " + written, null);
          }
          byte[] b = Files.readAllBytes(dir.resolve(written));
          String sha = sha256(b);
          // Content-addressed: the id's bytes never change, so a re-ingest cannot mix old and new bytes.
          String segFile = SegmentNames.file(index, sha);
          contentNames.put(CdnPaths.segment(songId, name, written), CdnPaths.segment(songId, name, segFile));
          segments.add(new Manifest.Segment(songId + "/" + name + "/" + segFile, index++, entry.durationMs(),
              b.length, sha, Manifest.Chunks.of(b, Manifest.Chunks.DEFAULT_CHUNK_BYTES)));
          data.add(Buffer.buffer(b));
        }
        renditions.add(new Manifest.Rendition(name, Ids.bitrateKbps(name), Manifest.AAC_LC, segments));
        mediaPlaylists.put(name, Playlists.mapSegmentUris(Playlists.withAbsoluteSegmentPaths(text, songId, name),
            uri -> contentNames.getOrDefault(uri, uri)));
        bytes.put(name, data);
      }
    } catch (IOException e) {
      throw new IngestException("cannot ingest " + file + ": reading FFmpeg's output failed: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IngestException("cannot ingest " + file + ": FFmpeg wrote an unreadable playlist: " + e.getMessage(), e);
    }
    Manifest manifest = new Manifest(songId, title, durationMs, renditions);
    return new OriginStore.SongContent(manifest, Playlists.master(manifest), mediaPlaylists, bytes);
  }

  private void publish(Manifest manifest, Path file) {
    SongPublished event = songPublished(manifest, System.currentTimeMillis());
    String topic = topics.name(CdnTopic.CATALOG);
    byte[] value = topics.codec().encode(topic, event);
    try {
      producer.send(new ProducerRecord<>(topic, manifest.songId(), value))
          .get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IngestException("ingested " + file + " as " + manifest.songId() + " but SongPublished was not "
          + "acknowledged by Kafka at " + config.common().kafkaBootstrapServers() + ": " + cause, cause, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IngestException("interrupted while publishing SongPublished for " + manifest.songId(), e, true);
    } catch (RuntimeException e) {
      throw new IngestException("ingested " + file + " as " + manifest.songId() + " but SongPublished could not be "
          + "sent: " + e, e, true);
    }
  }

  /** The catalog event announcing {@code manifest}: the same fields, and the time of publishing. */
  static SongPublished songPublished(Manifest manifest, long tsMillis) {
    List<RenditionInfo> infos = manifest.renditions().stream().map(r -> RenditionInfo.newBuilder()
        .setName(r.name()).setBitrateKbps(r.bitrateKbps()).setCodec(r.codec())
        .setSegments(r.segments().stream().map(s -> SegmentInfo.newBuilder().setSegmentId(s.segmentId())
            .setIndex(s.index()).setDurationMs(s.durationMs()).setBytes(s.bytes()).setSha256(s.sha256()).build())
            .toList())
        .build()).toList();
    return SongPublished.newBuilder().setSongId(manifest.songId()).setTitle(manifest.title())
        .setDurationMs(manifest.durationMs()).setRenditions(infos).setTs(tsMillis).setVersion(manifest.version())
        .build();
  }

  /** FFmpeg in use. */
  public FFmpegTools tools() {
    return transcoder.tools();
  }

  /** The store this ingester writes to (shared pool). */
  public OriginStore store() {
    return store;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  static <T> T await(Future<T> f, Duration timeout, String what) {
    return Blocking.await(f, timeout, "could not " + what);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    store.close();
    if (ownsVertx) {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null)
          .join();
    }
  }
}
