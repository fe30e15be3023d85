package dev.hybridcdn.peer.host;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.testkit.LocalPorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * In-process stand-ins for an edge, a tracker and misbehaving holders, for the fast pipeline
 * tests (*Test). The *IT tests run the real services instead.
 */
final class FakeNetwork implements AutoCloseable {
  static final String SONG = "demo";
  static final int SEGMENTS = 6;
  static final int SEGMENT_BYTES = 20_000;
  /** A song of one large segment, far more than the socket buffers of a loopback connection hold. */
  static final String BIG_SONG = "big";
  static final String BIG_SEGMENT = BIG_SONG + "/64k/seg00000.ts";
  static final int BIG_BYTES = 24 << 20;
  /** A song of 1 MB segments whose manifest carries 64 KiB chunk hashes (multi-source downloads). */
  static final String MULTI_SONG = "multi";
  static final int MULTI_SEGMENTS = 9;
  static final int MULTI_BYTES = 1_000_000;

  final Vertx vertx;
  final Map<String, Buffer> segments = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> edgeRequests = new ConcurrentHashMap<>();
  final Map<String, List<JsonObject>> holders = new ConcurrentHashMap<>();
  final AtomicInteger trackerLookups = new AtomicInteger();
  /**
   * Segments the tracker says another peer is fetching from an edge ({@code 404 being_fetched}) while no holder
   * is listed; the lookups that asked to claim one are counted in {@link #claims}.
   */
  final java.util.Set<String> beingFetched = ConcurrentHashMap.newKeySet();
  final AtomicInteger claims = new AtomicInteger();
  /** Live peers' base URLs the tracker answers {@code GET /peers/{peerId}} with (relays resolve path ids). */
  final Map<String, String> peerUrls = new ConcurrentHashMap<>();
  /** Peers' measured links ({@code {nodeId: rttMs}}) the tracker answers {@code GET /peers/{peerId}} with. */
  final Map<String, JsonObject> peerLinks = new ConcurrentHashMap<>();
  /** Whether the tracker answers {@code GET /songs/popular} (from {@link #holders}); off: 404, as before. */
  volatile boolean popularSongs;
  /** Playlist requests the edges answered ({@code GET /hls/...}). */
  final AtomicInteger playlistRequests = new AtomicInteger();
  final AtomicInteger badHolderRequests = new AtomicInteger();
  final AtomicInteger hangingHolderRequests = new AtomicInteger();
  /** Answers the slow holder has finished sending. */
  final AtomicInteger slowHolderAnswers = new AtomicInteger();
  /** Answers of the trickling holder whose connection closed before their last byte. */
  final AtomicInteger tricklingResets = new AtomicInteger();
  /** The {@code Range} header of each edge request, per segment, in order ({@code whole} for none). */
  final Map<String, List<String>> edgeRanges = new ConcurrentHashMap<>();
  /** Segments the edge answers whole (200) whatever their {@code Range} (RFC 9110 allows ignoring it). */
  final java.util.Set<String> rangeIgnored = ConcurrentHashMap.newKeySet();
  /** Segments the edge answers {@value #SLOW_EDGE_MS} ms late. */
  final java.util.Set<String> slowAtEdge = ConcurrentHashMap.newKeySet();
  static final long SLOW_EDGE_MS = 800;
  /** Segments the edge answers 500 for. */
  final java.util.Set<String> broken = ConcurrentHashMap.newKeySet();
  /** Segments the edge answers 200 with bytes that do not match the manifest's SHA-256. */
  final java.util.Set<String> corrupt = ConcurrentHashMap.newKeySet();
  /** The backup the steering server names ({@code id host:port}), null for none. */
  volatile String[] steeringBackup;
  /** Query strings of the steering requests. */
  final List<String> steeringQueries = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<Integer, HttpServer> servers = new ConcurrentHashMap<>();
  int edgePort;
  int trackerPort;
  int badHolderPort;
  int hangingHolderPort;
  int slowHolderPort;
  int tricklingHolderPort;

  FakeNetwork(Vertx vertx) throws Exception {
    this.vertx = vertx;
    Random random = new Random(42);
    for (int i = 0; i < SEGMENTS; i++) {
      byte[] b = new byte[SEGMENT_BYTES];
      random.nextBytes(b);
      segments.put(segmentId(i), Buffer.buffer(b));
    }
    segments.put(BIG_SEGMENT, Buffer.buffer(new byte[BIG_BYTES]));
    for (int i = 0; i < MULTI_SEGMENTS; i++) {
      byte[] b = new byte[MULTI_BYTES];
      random.nextBytes(b);
      segments.put(multiSegmentId(i), Buffer.buffer(b));
    }
    edgePort = listen(edgeRouter("edge-t", 0, new AtomicBoolean()));
    trackerPort = listen(trackerRouter(trackerLookups));
    badHolderPort = listen(badHolderRouter());
    hangingHolderPort = listen(hangingRouter());
    slowHolderPort = listen(slowHolderRouter());
    tricklingHolderPort = listen(tricklingHolderRouter());
  }

  static String segmentId(int i) {
    return String.format("%s/64k/seg%05d.ts", SONG, i);
  }

  static String multiSegmentId(int i) {
    return String.format("%s/64k/seg%05d.ts", MULTI_SONG, i);
  }

  String edgeUrl() {
    return "http://127.0.0.1:" + edgePort;
  }

  String trackerUrl() {
    return "http://127.0.0.1:" + trackerPort;
  }

  /** The tracker will answer these holders (best first) for the segment. */
  void holders(String segmentId, JsonObject... list) {
    holders.put(segmentId, List.of(list));
  }

  /**
   * The variables of a peer host of {@code peerCount} peers on this network (loopback, Kafka absent, no
   * read-ahead, no hedge), with {@code overrides} (name, value, name, value, ...).
   */
  Map<String, String> hostEnv(int peerCount, String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of("PEER_COUNT", Integer.toString(peerCount), "HTTP_PORT", "0",
        "BIND_HOST", "127.0.0.1", "EDGE_URLS", edgeUrl(), "TRACKER_URLS", trackerUrl(),
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead(), "TOPICS_TIMEOUT_MS", "0",
        "READ_AHEAD", "0", "PLAYER_HEDGE_MS", "0"));
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  static JsonObject holder(String peerId, String baseUrl) {
    return new JsonObject().put("peerId", peerId).put("baseUrl", baseUrl).put("region", "local")
        .putNull("rttMs").put("load", 0.0);
  }

  JsonObject badHolder() {
    return holder("bad-holder", "http://127.0.0.1:" + badHolderPort);
  }

  JsonObject hangingHolder() {
    return holder("hanging-holder", "http://127.0.0.1:" + hangingHolderPort);
  }

  /** A holder with the right bytes that answers only after {@link #SLOW_HOLDER_MS} (a thin uplink). */
  JsonObject slowHolder() {
    return holder("slow-holder", "http://127.0.0.1:" + slowHolderPort);
  }

  static final long SLOW_HOLDER_MS = 2500;

  /**
   * A holder with the right bytes that sends its 200 and the first {@link #TRICKLE_PREFIX} bytes at
   * once, the rest only after {@link #SLOW_HOLDER_MS} (an uplink that stalls mid-transfer).
   */
  JsonObject tricklingHolder() {
    return holder("trickling-holder", "http://127.0.0.1:" + tricklingHolderPort);
  }

  static final int TRICKLE_PREFIX = 8_000;

  /** {@link #edgeRanges} of the segment from the {@code from}-th request on. */
  List<String> edgeRanges(String segmentId, int from) {
    List<String> all = edgeRanges.getOrDefault(segmentId, List.of());
    return List.copyOf(all.subList(Math.min(from, all.size()), all.size()));
  }

  int edgeRequests(String segmentId) {
    AtomicInteger n = edgeRequests.get(segmentId);
    return n == null ? 0 : n.get();
  }

  /**
   * One more edge serving the same songs.
   *
   * @param pingDelayMs added to every {@code /ping} (a farther edge)
   * @param hung while true, the edge accepts requests and never answers
   * @return its port
   */
  int edge(String edgeId, long pingDelayMs, AtomicBoolean hung) throws Exception {
    return listen(edgeRouter(edgeId, pingDelayMs, hung));
  }

  /** One more tracker instance answering the same holders; counts its lookups. Returns its port. */
  int tracker(AtomicInteger lookups) throws Exception {
    return listen(trackerRouter(lookups));
  }

  /** Listens again on {@code port} with a router made by {@code router} (a restarted instance). */
  void listenAgain(int port, Router router) throws Exception {
    HttpServer s = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    servers.put(port, s);
  }

  /** Closes the server on {@code port}: connections to it are refused from now on. */
  void stop(int port) throws Exception {
    HttpServer s = servers.remove(port);
    if (s != null) {
      s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private Router edgeRouter(String edgeId, long pingDelayMs, AtomicBoolean hung) {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> {
      if (!hung.get()) {
        ctx.next();
      }
    });
    r.get("/ping").handler(ctx -> vertx.setTimer(Math.max(1, pingDelayMs), t -> ctx.response()
        .putHeader("X-Served-By", edgeId).end(new JsonObject().put("edgeId", edgeId).put("region", "local").encode())));
    r.get("/songs/:songId").handler(ctx -> {
      String song = ctx.pathParam("songId");
      if (!SONG.equals(song) && !BIG_SONG.equals(song) && !MULTI_SONG.equals(song)) {
        ctx.response().setStatusCode(404).end("{\"error\":\"unknown_song\",\"message\":\"no\",\"details\":[]}");
        return;
      }
      JsonArray segs = new JsonArray();
      List<String> ids = SONG.equals(song) ? IntStream.range(0, SEGMENTS).mapToObj(FakeNetwork::segmentId).toList()
          : MULTI_SONG.equals(song) ? IntStream.range(0, MULTI_SEGMENTS).mapToObj(FakeNetwork::multiSegmentId).toList()
          : List.of(BIG_SEGMENT);
      for (int i = 0; i < ids.size(); i++) {
        Buffer b = segments.get(ids.get(i));
        JsonObject seg = new JsonObject().put("segmentId", ids.get(i)).put("index", i).put("durationMs", 10_000)
            .put("bytes", b.length()).put("sha256", SegmentFetcher.sha256(b));
        if (MULTI_SONG.equals(song)) {
          Manifest.Chunks c = Manifest.Chunks.of(b.getBytes(), Manifest.Chunks.DEFAULT_CHUNK_BYTES);
          seg.put("chunkBytes", c.chunkBytes()).put("chunks", new JsonArray(c.sha256()));
        }
        segs.add(seg);
      }
      ctx.json(new JsonObject().put("songId", song).put("title", "Demo").put("durationMs", 10_000L * ids.size())
          .put("renditions", new JsonArray().add(new JsonObject().put("name", "64k").put("bitrateKbps", 64)
              .put("codec", "mp4a.40.2").put("playlist", "/hls/" + song + "/64k/playlist.m3u8").put("segments", segs))));
    });
    r.get("/hls/*").handler(ctx -> {
      playlistRequests.incrementAndGet();
      ctx.next();
    });
    r.get("/hls/demo/master.m3u8").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/vnd.apple.mpegurl")
        .end("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\n64k/playlist.m3u8\n"));
    r.get("/hls/demo/64k/playlist.m3u8").handler(ctx -> {
      StringBuilder b = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:10\n");
      for (int i = 0; i < SEGMENTS; i++) {
        b.append("#EXTINF:10.0,\n/segments/").append(segmentId(i)).append('\n');
      }
      ctx.response().end(b.append("#EXT-X-ENDLIST\n").toString());
    });
    r.get("/hls/*").handler(ctx -> ctx.response().setStatusCode(404).end());
    r.get("/segments/*").handler(ctx -> {
      String id = ctx.request().path().substring("/segments/".length());
      int n = edgeRequests.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      String range = ctx.request().getHeader("Range");
      edgeRanges.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
          .add(range == null ? "whole" : range);
      Buffer b = segments.get(id);
      if (slowAtEdge.contains(id)) {
        vertx.setTimer(SLOW_EDGE_MS, t -> ctx.response().putHeader("X-Served-By", edgeId)
            .putHeader("Content-Type", "video/mp2t").end(b));
      } else if (broken.contains(id)) {
        ctx.response().setStatusCode(500).end();
      } else if (corrupt.contains(id) && b != null) {
        ctx.response().putHeader("X-Cache", "HIT-MEMORY").putHeader("Content-Type", "video/mp2t")
            .end(Buffer.buffer(new byte[b.length()]));
      } else if (b == null) {
        ctx.response().setStatusCode(404).end();
      } else if (!rangeIgnored.contains(id)
          && ByteRange.parse(ctx.request().getHeader("Range"), b.length()) instanceof ByteRange.Partial p) {
        ctx.response().setStatusCode(206).putHeader("Content-Range", p.range().contentRange(b.length()))
            .putHeader("X-Served-By", edgeId).putHeader("Content-Type", "video/mp2t")
            .end(b.slice((int) p.range().start(), (int) p.range().end() + 1));
      } else {
        ctx.response().putHeader("X-Cache", n == 1 ? "MISS" : "HIT-MEMORY").putHeader("X-Served-By", edgeId)
            .putHeader("Content-Type", "video/mp2t").end(b);
      }
    });
    return r;
  }

  Router trackerRouter(AtomicInteger lookups) {
    Router r = Router.router(vertx);
    r.get("/steering/:songId").handler(ctx -> {
      steeringQueries.add(ctx.request().query());
      String peer = ctx.request().getParam("peer");
      String[] b = steeringBackup;
      JsonObject m = new JsonObject().put("VERSION", 1).put("TTL", 1)
          .put("PATHWAY-PRIORITY", b == null ? new JsonArray().add(peer) : new JsonArray().add(peer).add(b[0]));
      if (b != null) {
        m.put("PATHWAY-CLONES", new JsonArray().add(new JsonObject().put("BASE-ID", peer).put("ID", b[0])
            .put("URI-REPLACEMENT", new JsonObject().put("HOST", b[1]))));
      }
      ctx.json(m);
    });
    r.get("/peers/:peerId").handler(ctx -> {
      String url = peerUrls.get(ctx.pathParam("peerId"));
      JsonObject links = peerLinks.get(ctx.pathParam("peerId"));
      if (url == null && links == null) {
        ctx.response().setStatusCode(404).end();
        return;
      }
      ctx.json(new JsonObject().put("peerId", ctx.pathParam("peerId")).put("region", "local").put("baseUrl", url)
          .put("links", links == null ? new JsonObject() : links));
    });
    r.get("/songs/popular").handler(ctx -> {
      if (!popularSongs) {
        ctx.response().setStatusCode(404).end();
        return;
      }
      Map<String, JsonObject> songs = new TreeMap<>();
      holders.forEach((id, list) -> {
        String[] parts = id.split("/");
        JsonObject song = songs.computeIfAbsent(parts[0], k -> new JsonObject().put("songId", k).put("holders", 0)
            .put("renditions", new JsonObject()));
        song.put("holders", song.getInteger("holders") + list.size());
        JsonObject renditions = song.getJsonObject("renditions");
        renditions.put(parts[1], renditions.getInteger(parts[1], 0) + list.size());
      });
      ctx.json(new JsonObject().put("songs", new JsonArray(new ArrayList<>(songs.values()))));
    });
    r.get("/segments/*").handler(ctx -> {
      lookups.incrementAndGet();
      String path = ctx.request().path();
      String id = path.substring("/segments/".length(), path.length() - "/peers".length());
      List<JsonObject> list = holders.get(id);
      if ("true".equals(ctx.request().getParam("claim"))) {
        claims.incrementAndGet();
      }
      if (list == null && beingFetched.contains(id)) {
        ctx.response().setStatusCode(404)
            .end("{\"error\":\"being_fetched\",\"message\":\"another peer\",\"details\":[]}");
        return;
      }
      if (list == null) {
        ctx.response().setStatusCode(404).end();
        return;
      }
      String exclude = ctx.request().getParam("exclude");
      JsonArray out = new JsonArray();
      List<String> excluded = exclude == null ? List.of() : List.of(exclude.split(","));
      list.stream().filter(h -> !excluded.contains(h.getString("peerId"))).forEach(out::add);
      ctx.json(new JsonObject().put("segmentId", id).put("holders", out));
    });
    return r;
  }

  private Router badHolderRouter() {
    Router r = Router.router(vertx);
    r.get("/segments/*").handler(ctx -> {
      badHolderRequests.incrementAndGet();
      byte[] junk = new byte[SEGMENT_BYTES];
      ctx.response().putHeader("Content-Type", "video/mp2t").end(Buffer.buffer(junk));
    });
    r.get("/ping").handler(ctx -> ctx.response().end("{}"));
    return r;
  }

  private Router slowHolderRouter() {
    Router r = Router.router(vertx);
    r.get("/segments/*").handler(ctx -> vertx.setTimer(SLOW_HOLDER_MS, t -> {
      Buffer b = segments.get(ctx.request().path().substring("/segments/".length()));
      ctx.response().putHeader("Content-Type", "video/mp2t").end(b).onSuccess(v -> slowHolderAnswers.incrementAndGet());
    }));
    r.get("/ping").handler(ctx -> ctx.response().end("{}"));
    return r;
  }

  private Router tricklingHolderRouter() {
    Router r = Router.router(vertx);
    r.get("/segments/*").handler(ctx -> {
      Buffer b = segments.get(ctx.request().path().substring("/segments/".length()));
      var resp = ctx.response().putHeader("Content-Type", "video/mp2t")
          .putHeader("Content-Length", String.valueOf(b.length()));
      AtomicBoolean ended = new AtomicBoolean();
      resp.closeHandler(v -> {
        if (!ended.get()) {
          tricklingResets.incrementAndGet();
        }
      });
      resp.write(b.slice(0, TRICKLE_PREFIX));
      vertx.setTimer(SLOW_HOLDER_MS, t -> {
        if (!resp.closed()) {
          ended.set(true);
          resp.end(b.slice(TRICKLE_PREFIX, b.length()));
        }
      });
    });
    r.get("/ping").handler(ctx -> ctx.response().end("{}"));
    return r;
  }

  private Router hangingRouter() {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> hangingHolderRequests.incrementAndGet()); // never answers
    return r;
  }

  private int listen(Router router) throws Exception {
    HttpServer s = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    servers.put(s.actualPort(), s);
    return s.actualPort();
  }

  @Override
  public void close() throws Exception {
    for (int port : List.copyOf(servers.keySet())) {
      stop(port);
    }
  }

  /**
   * Closes what a peer test started, any of it null after a failed start: the peer host, an extra
   * stand-in server (a topology), the network stand-ins, then Vert.x.
   */
  static void closeAll(PeerHost host, HttpServer extra, FakeNetwork net, Vertx vertx) throws Exception {
    if (host != null) {
      host.close();
    }
    if (extra != null) {
      extra.close();
    }
    if (net != null) {
      net.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
