package dev.hybridcdn.ops.swarm;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.servicekit.http.KeepAlive;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.servicekit.network.ShapedNetwork;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A swarm of simulated HLS players. Each player picks songs by a Zipf law, attaches to a peer and
 * plays each song from that peer's master playlist by the rules hls.js follows, failing over
 * between its pathways ({@link Playback}), and records each request's outcome
 * ({@link PlayerRequest}). With a {@link Churn}, peers join, leave cleanly and crash while the
 * players run: any peer, the ones players use included.
 *
 * <p>Players run on their own Vert.x instance, so their timings are those of an HTTP client
 * outside the services.
 */
public final class Swarm implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Swarm.class);

  /**
   * What a run produced.
   *
   * @param requests every player request, in completion order
   * @param wallTime from the first player's start to the last one's end
   * @param joins peers started by churn
   * @param cleanLeaves peers stopped cleanly by churn
   * @param crashes peers crashed by churn
   * @param failovers requests that failed and were made again on the next pathway (or, for a master
   *     playlist, at another peer), as hls.js does; not failures
   * @param sessions what each listener heard of each song (startup, stalls, bitrate, switches)
   */
  public record Result(List<PlayerRequest> requests, Duration wallTime, int joins, int cleanLeaves, int crashes,
      long failovers, List<Session> sessions) {

    /** Time players ran dry, summed over every song played, wall-clock ms (each {@link Session#stallMs()}). */
    public long stallMillis() {
      return Math.round(sessions.stream().mapToDouble(Session::stallMs).sum());
    }

    /** The players' view as an analysis (source {@code players}): segments by tier, failures. */
    public DeliveryAnalysis analysis() {
      DeliveryAnalysis a = new DeliveryAnalysis("players", true);
      for (PlayerRequest r : requests) {
        if (r.failed()) {
          a.failure(r.ts());
        } else if (r.kind() == PlayerRequest.Kind.SEGMENT) {
          a.delivery(r.source(), segmentId(r.url()), r.bytes(), r.latencyMicros(), r.hops(), null, r.ts());
        }
      }
      return a;
    }

    /** Failed requests. */
    public List<PlayerRequest> failures() {
      return requests.stream().filter(PlayerRequest::failed).toList();
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final String catalogUrl;
  private final PeerDirectory peers;
  private final Churn churn;
  private final SwarmOptions options;
  private final List<PlayerRequest> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<Session> sessions = Collections.synchronizedList(new ArrayList<>());
  /** Clients of players on a peer's machine, by the peer's address (only under an emulated network). */
  private final java.util.Map<String, WebClient> sourced = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong segmentsDone = new AtomicLong();
  private final AtomicLong bytesDone = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicInteger playersDone = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicInteger joins = new AtomicInteger();
  private final AtomicInteger cleanLeaves = new AtomicInteger();
  private final AtomicInteger crashes = new AtomicInteger();
  private final AtomicLong failovers = new AtomicLong();
  private final Playback playback;
  private final TlsSettings tls;

  /**
   * @param catalogUrl origin or edge base URL whose {@code GET /songs} lists the songs to play
   * @param peers the peers players attach to (updated by churn)
   * @param churn null for no churn
   */
  public Swarm(String catalogUrl, PeerDirectory peers, Churn churn, SwarmOptions options) {
    this(catalogUrl, peers, churn, options, TlsSettings.off());
  }

  /**
   * The same against a stack serving HTTPS.
   *
   * @param tls the CA the players trust besides the JVM's default ({@code TLS_CA_FILE}; {@code cdn up --tls})
   */
  public Swarm(String catalogUrl, PeerDirectory peers, Churn churn, SwarmOptions options, TlsSettings tls) {
    this(catalogUrl, peers, churn, options, tls, null);
  }

  /**
   * @param catalogUrl origin or edge base URL whose {@code GET /songs} lists the songs to play
   * @param peers the peers players attach to (updated by churn)
   * @param churn null for no churn
   * @param tls the CA the players trust besides the JVM's default ({@code TLS_CA_FILE}; {@code cdn up --tls})
   * @param playerTokens the stack's player tokens: each player signs a token for its song's master playlist, as
   *     a site's backend would (issue 16); null when the stack's player routes are open
   */
  public Swarm(String catalogUrl, PeerDirectory peers, Churn churn, SwarmOptions options, TlsSettings tls,
      PlayerTokens playerTokens) {
    this.vertx = Vertx.vertx();
    this.tls = tls;
    this.client = WebClient.create(vertx, clientOptions(options), new PoolOptions().setHttp1MaxSize(Math.max(8, options.players())));
    this.catalogUrl = catalogUrl;
    this.peers = peers;
    this.churn = churn;
    this.options = options;
    this.playback = new Playback(vertx, peers, options, this::record, failovers, stopped, sessions::add,
        this::clientOf, playerTokens);
  }

  private WebClientOptions clientOptions(SwarmOptions options) {
    return tls.client(KeepAlive.client(new WebClientOptions()).setConnectTimeout((int) options.requestTimeout().toMillis())
        .setUserAgent("cdn-swarm-player"));
  }

  /**
   * The client of a player attached to {@code peer}. Under an emulated network a player runs on its
   * peer's machine: its connections leave from the peer's address, so they reach the peer unshaped
   * and the edges (steering failover) over the peer's links; a player of a traditional CDN leaves
   * from {@link PeerRef#playerAddress()} (the same machine, no peer on it).
   */
  private WebClient clientOf(PeerRef peer) {
    ShapedNetwork network = ShapedNetwork.installed();
    if (network == null) {
      return client;
    }
    String host = peer.playerAddress() != null ? peer.playerAddress() : URI.create(peer.baseUrl()).getHost();
    if (network.node(host) == null) {
      return client;
    }
    return sourced.computeIfAbsent(host, h -> WebClient.create(vertx,
        (WebClientOptions) clientOptions(options).setLocalAddress(h), new PoolOptions().setHttp1MaxSize(8)));
  }

  /** Segments answered so far (progress). */
  public long segmentsDone() {
    return segmentsDone.get();
  }

  /** Segment bytes received so far. */
  public long bytesDone() {
    return bytesDone.get();
  }

  /** Every request with an outcome so far, in completion order (a copy). */
  public List<PlayerRequest> requestsSoFar() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Failed requests so far. */
  public long failedSoFar() {
    return failed.get();
  }

  /** Players that finished. */
  public int playersDone() {
    return playersDone.get();
  }

  /**
   * Runs every player to its end (or the deadline) and returns what they saw; blocks.
   *
   * @throws IllegalStateException when the catalogue cannot be read or is empty
   */
  public Result run() throws InterruptedException {
    List<String> songs = catalog();
    Zipf zipf = new Zipf(songs.size(), options.zipfExponent());
    long t0 = System.nanoTime();
    CountDownLatch done = new CountDownLatch(options.players());
    Random master = new Random(options.seed());
    for (int i = 0; i < options.players(); i++) {
      Random random = new Random(master.nextLong());
      long startMs = options.players() == 1 ? 0
          : options.ramp().toMillis() * i / (options.players() - 1);
      int player = i;
      vertx.setTimer(Math.max(1, startMs), id -> playSongs(player, random, songs, zipf, 0)
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("player {} stopped: {}", player, ar.cause().toString());
            }
            playersDone.incrementAndGet();
            done.countDown();
          }));
    }
    Thread churner = churn != null && options.churnPerMinute() > 0 ? startChurn(done) : null;
    boolean finished = done.await(options.deadline().toMillis(), TimeUnit.MILLISECONDS);
    stopped.set(true);
    if (!finished) {
      LOG.warn("swarm deadline of {} s reached with {} players still playing", options.deadline().toSeconds(),
          done.getCount());
    }
    if (churner != null) {
      churner.join(60_000);
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - t0);
    List<PlayerRequest> copy;
    synchronized (requests) {
      copy = List.copyOf(requests);
    }
    List<Session> heard;
    synchronized (sessions) {
      heard = List.copyOf(sessions);
    }
    return new Result(copy, wall, joins.get(), cleanLeaves.get(), crashes.get(), failovers.get(), heard);
  }

  private List<String> catalog() {
    try {
      HttpResponse<Buffer> r = client.getAbs(catalogUrl + CdnPaths.SONGS).timeout(options.requestTimeout().toMillis())
          .send().await();
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + catalogUrl + "/songs answered " + r.statusCode() + ": " + r.bodyAsString());
      }
      JsonArray list = r.bodyAsJsonObject().getJsonArray("songs");
      List<String> songs = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        songs.add(list.getJsonObject(i).getString("songId"));
      }
      if (songs.isEmpty()) {
        throw new IllegalStateException("the catalogue at " + catalogUrl + "/songs is empty: ingest a song first");
      }
      Collections.sort(songs);
      return songs;
    } catch (IllegalStateException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not read the catalogue at " + catalogUrl + "/songs: " + e, e);
    }
  }

  private Future<Void> playSongs(int player, Random random, List<String> songs, Zipf zipf, int played) {
    if (played >= options.songsPerPlayer() || stopped.get()) {
      return Future.succeededFuture();
    }
    String song = songs.get(zipf.sample(random));
    return playback.play(player, random, song)
        .compose(v -> playSongs(player, random, songs, zipf, played + 1),
            err -> playSongs(player, random, songs, zipf, played + 1));
  }

  private void record(PlayerRequest r) {
    requests.add(r);
    if (r.failed()) {
      failed.incrementAndGet();
      LOG.warn("player {} via {}: {} {} failed: {}", r.player(), r.peerId(), r.kind(), r.url(), r.error());
    } else if (r.kind() == PlayerRequest.Kind.SEGMENT) {
      segmentsDone.incrementAndGet();
      bytesDone.addAndGet(r.bytes());
    }
  }

  private Thread startChurn(CountDownLatch done) {
    Random random = new Random(options.seed() ^ 0x5DEECE66DL);
    long periodMs = (long) (60_000 / options.churnPerMinute());
    Thread t = new Thread(() -> {
      try {
        // One step per period until every player is done; a step under way always completes, so
        // the counts match what happened to the peers.
        while (!stopped.get() && !done.await(periodMs, TimeUnit.MILLISECONDS)) {
          churnOnce(random);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "swarm-churn");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * One churn step: a leave (clean or crash, of any peer, players' own included) or a join, each
   * with even odds.
   */
  private void churnOnce(Random random) {
    boolean leave = random.nextBoolean();
    try {
      if (leave) {
        var victim = peers.reserve(random, options.minLivePeers());
        if (victim.isPresent()) {
          boolean crash = random.nextDouble() < options.crashShare();
          churn.leave(victim.get().peerId(), !crash);
          peers.remove(victim.get().peerId());
          (crash ? crashes : cleanLeaves).incrementAndGet();
          LOG.info("churn: {} {}", victim.get().peerId(), crash ? "crashed" : "left cleanly");
          return;
        }
      }
      PeerRef joined = churn.join();
      peers.add(joined);
      joins.incrementAndGet();
      LOG.info("churn: {} joined in {}", joined.peerId(), joined.region());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("churn step failed: {}", e.toString());
    }
  }

  /**
   * Ends the run from another thread: players stop between requests (none is cut off mid-request)
   * and {@link #run()} returns once each has.
   */
  public void stop() {
    stopped.set(true);
  }

  /** The {@code X-CDN-Hops} header as a count, -1 when absent or not a small number. */
  static int hops(String header) {
    if (header == null) {
      return -1;
    }
    try {
      int h = Integer.parseInt(header.strip());
      return h >= 0 && h <= 16 ? h : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code demo/128k/seg00003.ts} of {@code http://host:port/segments/demo/128k/seg00003.ts}. */
  static String segmentId(String url) {
    String id = CdnPaths.segmentIdOf(URI.create(url).getPath());
    return id.isEmpty() ? url : id;
  }

  @Override
  public void close() {
    stopped.set(true);
    client.close();
    sourced.values().forEach(WebClient::close);
    vertx.close().await();
  }
}
