package dev.hybridcdn.ops.swarm;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.hls.SteeringManifest;
import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.ops.token.TokenCommand;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a simulated player plays one song, by the rules hls.js 1.7 follows: the master playlist
 * from a peer, the steering manifest from its {@code SERVER-URI} (reloaded every {@code TTL}), one
 * variant (kept by {@code STABLE-VARIANT-ID} across pathways), its media playlist and segments on
 * the current pathway; a failed request (no answer, 5xx, timeout) moves to the next pathway
 * ({@link Pathways}) and is made again there. Each final outcome is recorded ({@link PlayerRequest});
 * a request made again elsewhere counts as a failover.
 *
 * <p>Like hls.js, the player loads segments while less than {@value #MAX_BUFFER_MEDIA_MS} ms of media
 * is buffered ahead of the playhead ({@code maxBufferLength} 30 s), plays from the first segment on
 * at {@code speedup} times real time, stalls when the playhead reaches the end of the buffer
 * ({@link ListenerClock}), and, without a fixed rendition, picks each segment's rendition from its
 * bandwidth estimate ({@link BandwidthEstimator}, kept per player across songs). Each song ends with
 * a {@link Session}: startup time, stalls, average bitrate, switches.
 */
final class Playback {
  private static final Logger LOG = LoggerFactory.getLogger(Playback.class);
  private static final Set<String> TIERS = Set.of("local", "peer", "edge", "origin");
  /** Peers a player tries for a master playlist before the song fails. */
  private static final int MASTER_ATTEMPTS = 3;
  /** Retry after a failed steering reload, ms. */
  private static final long STEERING_RETRY_MS = 2000;
  /** hls.js {@code maxBufferLength}: media buffered ahead before loading pauses, ms. */
  static final long MAX_BUFFER_MEDIA_MS = 30_000;

  private final Vertx vertx;
  private final PlayerTokens playerTokens;
  private final PeerDirectory peers;
  private final SwarmOptions options;
  private final Consumer<PlayerRequest> record;
  private final AtomicLong failovers;
  private final AtomicBoolean stopped;
  private final Consumer<Session> sessions;
  private final java.util.function.Function<PeerRef, WebClient> clients;
  private final java.util.Map<Integer, BandwidthEstimator> estimators = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param record receives every final request outcome
   * @param failovers counts requests made again elsewhere
   * @param stopped set when the run stops (players stop between requests)
   * @param sessions receives each song's {@link Session} when it ends
   * @param clients the HTTP client of a player attached to a peer (on the peer's machine: under an
   *     emulated network its connections leave from the peer's address)
   * @param playerTokens signs each song's master playlist URL; null: no token (player routes open)
   */
  Playback(Vertx vertx, PeerDirectory peers, SwarmOptions options, Consumer<PlayerRequest> record,
      AtomicLong failovers, AtomicBoolean stopped, Consumer<Session> sessions,
      java.util.function.Function<PeerRef, WebClient> clients, PlayerTokens playerTokens) {
    this.playerTokens = playerTokens;
    this.vertx = vertx;
    this.sessions = sessions;
    this.clients = clients;
    this.peers = peers;
    this.options = options;
    this.record = record;
    this.failovers = failovers;
    this.stopped = stopped;
  }

  /** Plays one song to its end (or {@code --max-segments}); fails when a request fails on every pathway. */
  Future<Void> play(int player, Random random, String song) {
    return playSong(player, random, song, 0, System.nanoTime());
  }

  /**
   * Attaches to a live peer and plays the song through its master playlist; a peer that does not
   * answer the master playlist is left for another one (a listener opening the app again), at most
   * {@value #MASTER_ATTEMPTS} peers.
   */
  private Future<Void> playSong(int player, Random random, String song, int attempt, long pressedPlay) {
    PeerRef peer = peers.attach(random);
    // With tokens, only the master URL is signed: the peer puts the token on every URI it serves.
    String masterUrl = peer.baseUrl() + CdnPaths.master(song) + TokenCommand.query(playerTokens, song);
    boolean last = attempt + 1 >= MASTER_ATTEMPTS;
    return fetch(player, peer, PlayerRequest.Kind.MASTER, masterUrl, last ? null : () -> true)
        .eventually(() -> {
          peers.detach(peer.peerId());
          return Future.succeededFuture();
        })
        .transform(ar -> {
          if (ar.failed()) {
            return ar.cause() instanceof FailedOver ? playSong(player, random, song, attempt + 1, pressedPlay)
                : Future.failedFuture(ar.cause());
          }
          Song s = new Song(peer, new Pathways(Playlists.steering(masterUrl, ar.result().bodyAsString())), player,
              song, new ListenerClock(options.speedup(), pressedPlay),
              estimators.computeIfAbsent(player,
                  p -> new BandwidthEstimator(BandwidthEstimator.DEFAULT_ESTIMATE_BPS * options.speedup())));
          s.stableVariantId = pick(s, random).stableVariantId();
          return steer(s).compose(v -> playSegments(player, s, 0));
        });
  }

  /** The first rendition: the fixed one, else hls.js's choice from its estimate, starting from the lowest. */
  private Playlists.PathwayVariant pick(Song s, Random random) {
    List<Playlists.PathwayVariant> variants = s.pathways.variants();
    random.nextInt(variants.size()); // drawn always, so runs keep the random sequence they had with random renditions
    if (options.rendition() != null) {
      for (Playlists.PathwayVariant v : variants) {
        if (v.uri().contains("/" + options.rendition() + "/")) {
          return v;
        }
      }
    }
    List<Playlists.PathwayVariant> ladder = ladder(variants);
    return ladder.get(BandwidthEstimator.choose(bitrates(ladder), 0, s.estimator.estimate(), options.speedup()));
  }

  private static List<Playlists.PathwayVariant> ladder(List<Playlists.PathwayVariant> variants) {
    return variants.stream().sorted(java.util.Comparator.comparingLong(Playlists.PathwayVariant::bandwidth)).toList();
  }

  private static long[] bitrates(List<Playlists.PathwayVariant> ladder) {
    return ladder.stream().mapToLong(Playlists.PathwayVariant::bandwidth).toArray();
  }

  /**
   * hls.js's rendition choice before loading a segment; a switch loads the new rendition's media
   * playlist (segments line up across renditions).
   */
  private void adapt(Song s) {
    if (options.rendition() != null || s.segments == null) {
      return;
    }
    List<Playlists.PathwayVariant> ladder = ladder(s.pathways.variants());
    int current = 0;
    for (int i = 0; i < ladder.size(); i++) {
      if (ladder.get(i).stableVariantId().equals(s.stableVariantId)) {
        current = i;
      }
    }
    int next = BandwidthEstimator.choose(bitrates(ladder), current, s.estimator.estimate(), options.speedup());
    if (next != current) {
      s.stableVariantId = ladder.get(next).stableVariantId();
      s.segmentsPathway = null;
      s.switches++;
    }
  }

  /**
   * Segment n is loaded once less than {@link #MAX_BUFFER_MEDIA_MS} of media is buffered ahead of the
   * playhead; after the last one the song ends when its buffer has played out.
   */
  private Future<Void> playSegments(int player, Song s, int n) {
    if ((s.segments != null && n >= s.segments.size()) || stopped.get()) {
      return ended(s);
    }
    double ahead = s.clock.aheadMediaMs(System.nanoTime());
    long waitMs = s.segments == null ? 0 : (long) Math.ceil((ahead - MAX_BUFFER_MEDIA_MS) / options.speedup());
    Promise<Void> due = Promise.promise();
    if (waitMs >= 1) {
      vertx.setTimer(waitMs, id -> due.complete());
    } else {
      due.complete();
    }
    return due.future().compose(v -> steer(s)).compose(v -> {
      adapt(s);
      return segment(player, s, n);
    }).compose(r -> {
      if (s.segments == null || n >= s.segments.size()) {
        return ended(s); // the song was cut short by --max-segments before it started
      }
      long durationMs = s.segments.get(n).durationMs();
      s.clock.appended(System.nanoTime(), durationMs);
      s.playedMediaMs += durationMs;
      s.bitrateMediaBitsMs += (double) s.pathways.variant(s.stableVariantId).bandwidth() * durationMs;
      return playSegments(player, s, n + 1);
    }, err -> ended(s).compose(v -> Future.failedFuture(err)));
  }

  /** The listener hears the buffer out, then the song's {@link Session} is recorded. */
  private Future<Void> ended(Song s) {
    long drain = stopped.get() ? 0 : s.clock.drainMs(System.nanoTime());
    Promise<Void> done = Promise.promise();
    if (drain >= 1) {
      vertx.setTimer(drain, id -> done.complete());
    } else {
      done.complete();
    }
    return done.future().onComplete(v -> sessions.accept(new Session(s.player, s.song, s.clock.startupMs(),
        s.clock.stalls(), s.clock.stallMs(), s.playedMediaMs, s.bitrateMediaBitsMs, s.switches, options.speedup())));
  }

  /** Segment n on the current pathway, its media playlist loaded first when the pathway changed. */
  private Future<HttpResponse<Buffer>> segment(int player, Song s, int n) {
    Future<Void> media = s.current() ? Future.succeededFuture() : media(player, s);
    return media.compose(v -> {
      if (n >= s.segments.size()) {
        return Future.succeededFuture();
      }
      long t0 = System.nanoTime();
      return fetch(player, s.peer, PlayerRequest.Kind.SEGMENT, s.segments.get(n).uri(), s.pathways::failOver)
          .onSuccess(r -> {
            if (r.body() != null) {
              long nanos = Math.max(1, System.nanoTime() - t0);
              s.throughput = r.body().length() * 8L * 1_000_000_000L / nanos;
              s.estimator.sample(nanos / 1e6, r.body().length());
            }
          })
          .recover(e -> e instanceof FailedOver ? segment(player, s, n) : Future.failedFuture(e));
    });
  }

  /** The media playlist of the chosen variant on the current pathway (the next pathway after a failure). */
  private Future<Void> media(int player, Song s) {
    Playlists.PathwayVariant v = s.pathways.variant(s.stableVariantId);
    return fetch(player, s.peer, PlayerRequest.Kind.PLAYLIST, v.uri(), s.pathways::failOver).transform(ar -> {
      if (ar.failed()) {
        return ar.cause() instanceof FailedOver ? media(player, s) : Future.failedFuture(ar.cause());
      }
      List<Playlists.SegmentEntry> segments = Playlists.segments(v.uri(), ar.result().bodyAsString());
      if (options.maxSegmentsPerSong() > 0 && segments.size() > options.maxSegmentsPerSong()) {
        segments = segments.subList(0, options.maxSegmentsPerSong());
      }
      s.segments = segments;
      s.segmentsPathway = v.pathwayId();
      return Future.<Void>succeededFuture();
    });
  }

  /** Reloads the steering manifest when its TTL has passed; a failed reload keeps the priority it had. */
  private Future<Void> steer(Song s) {
    long now = System.currentTimeMillis();
    String url = s.pathways.reloadDue(now, s.throughput);
    if (url == null) {
      return Future.succeededFuture();
    }
    return clients.apply(s.peer).getAbs(url).timeout(options.requestTimeout().toMillis()).send().transform(ar -> {
      try {
        if (ar.succeeded() && ar.result().statusCode() == 200) {
          if (s.pathways.apply(SteeringManifest.parse(ar.result().bodyAsString()), url, System.currentTimeMillis())) {
            LOG.debug("player via {}: steering moved to pathway {}", s.peer.peerId(), s.pathways.current());
          }
          return Future.succeededFuture();
        }
      } catch (IllegalArgumentException e) {
        LOG.debug("steering manifest from {} ignored: {}", url, e.getMessage());
      }
      s.pathways.reloadFailed(System.currentTimeMillis(), STEERING_RETRY_MS);
      return Future.succeededFuture();
    });
  }

  /**
   * One request. A failure (no answer, not 200, a segment without a valid {@code X-CDN-Source}) is
   * recorded as failed unless {@code failOver} moves the player elsewhere (another pathway, another
   * peer): then it is counted as a failover and the future fails with {@link FailedOver}, for the
   * caller to retry there.
   *
   * @param failOver null: no failover for this request
   */
  private Future<HttpResponse<Buffer>> fetch(int player, PeerRef peer, PlayerRequest.Kind kind, String url,
      BooleanSupplier failOver) {
    long t0 = System.nanoTime();
    return clients.apply(peer).getAbs(url).timeout(options.requestTimeout().toMillis()).send()
        .transform(ar -> {
          long micros = (System.nanoTime() - t0) / 1000;
          long now = System.currentTimeMillis();
          HttpResponse<Buffer> r = ar.succeeded() ? ar.result() : null;
          String source = r == null ? null : r.getHeader(CdnHeaders.SOURCE);
          String error = null;
          if (r == null) {
            error = ar.cause().toString();
          } else if (r.statusCode() != 200) {
            error = "HTTP " + r.statusCode() + ": " + abbreviate(r.bodyAsString());
          } else if (kind == PlayerRequest.Kind.SEGMENT
              && (source == null || !TIERS.contains(source.toLowerCase(Locale.ROOT)))) {
            error = "segment answer without a valid X-CDN-Source header: " + source;
          }
          if (error != null && failOver != null && failOver.getAsBoolean()) {
            failovers.incrementAndGet();
            LOG.info("player {} via {}: {} {} failed ({}); failing over", player, peer.peerId(), kind, url, error);
            return Future.failedFuture(new FailedOver());
          }
          record.accept(new PlayerRequest(player, peer.peerId(), kind, url, r == null ? 0 : r.statusCode(),
              source == null ? null : source.toLowerCase(Locale.ROOT), r == null ? -1 : Swarm.hops(r.getHeader(CdnHeaders.HOPS)),
              r == null || r.body() == null ? 0 : r.body().length(), micros, now, error,
              error == null && kind == PlayerRequest.Kind.SEGMENT ? sha256(r.body()) : null,
              r == null ? null : r.getHeader(CdnHeaders.ANSWER)));
          return error == null ? Future.succeededFuture(r) : Future.failedFuture(error);
        });
  }

  /** A request failed and the player moved on; the caller retries where it moved to. */
  private static final class FailedOver extends RuntimeException {
    FailedOver() {
      super("failed over", null, false, false);
    }
  }

  /** One song being played: the peer it started from, its pathways and the media playlist in use. */
  private static final class Song {
    final PeerRef peer;
    final Pathways pathways;
    final int player;
    final String song;
    final ListenerClock clock;
    final BandwidthEstimator estimator;
    long playedMediaMs;
    double bitrateMediaBitsMs;
    int switches;
    String stableVariantId;
    List<Playlists.SegmentEntry> segments;
    String segmentsPathway;
    /** Last segment's measured throughput, bit/s ({@code _HLS_throughput}); hls.js's default estimate first. */
    long throughput = 500_000;

    Song(PeerRef peer, Pathways pathways, int player, String song, ListenerClock clock, BandwidthEstimator estimator) {
      this.peer = peer;
      this.pathways = pathways;
      this.player = player;
      this.song = song;
      this.clock = clock;
      this.estimator = estimator;
    }

    /** True when the media playlist in use is the current pathway's. */
    boolean current() {
      return segments != null && pathways.current().equals(segmentsPathway);
    }
  }

  private static String sha256(Buffer body) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(body == null ? new byte[0] : body.getBytes()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

}
