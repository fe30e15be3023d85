package dev.hybridcdn.peer.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.FetchLedger;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.metrics.PeerMeters;
import dev.hybridcdn.peer.readahead.ReadAhead;
import dev.hybridcdn.peer.upload.UploadPriority;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fetch pipeline of real peers (one host, real HTTP on loopback) against in-process stand-ins
 * for the edge, the tracker and misbehaving holders. Kafka is absent on purpose: events stay
 * buffered and players must not notice.
 */
class PeerPipelineTest {
  static Vertx vertx;
  static FakeNetwork net;
  static PeerHost host;
  static WebClient http;
  /** For answers read from their head on (a holder's paced upload). */
  static HttpClient heads;
  static HostedPeer p1;
  static HostedPeer p2;
  static HostedPeer p3;
  /** The host's variables; a peer started later by a test is these plus its own ({@link #peerConfig}). */
  static Map<String, String> env;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
    heads = vertx.createHttpClient();
    env = Map.ofEntries(
        Map.entry("PEER_COUNT", "3"), Map.entry("HTTP_PORT", "0"), Map.entry("BIND_HOST", "127.0.0.1"),
        Map.entry("EDGE_URLS", net.edgeUrl()), Map.entry("TRACKER_URLS", net.trackerUrl()),
        Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead()), Map.entry("TOPICS_TIMEOUT_MS", "0"),
        Map.entry("READ_AHEAD", "0"), Map.entry("PEER_TIMEOUT_MS", "1000"), Map.entry("P2P_BUDGET_MS", "2500"),
        Map.entry("EDGE_TIMEOUT_MS", "3000"), Map.entry("PLAYER_HEDGE_MS", "0"));
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(env)));
    p1 = host.peers().get(0);
    p2 = host.peers().get(1);
    p3 = host.peers().get(2);
  }

  @AfterAll
  static void stop() throws Exception {
    FakeNetwork.closeAll(host, null, net, vertx);
  }

  /** One more peer's config: the host's variables with {@code overrides} (name, value, name, value, ...). */
  static PeerConfig peerConfig(String... overrides) {
    Map<String, String> vars = new HashMap<>(env);
    for (int i = 0; i < overrides.length; i += 2) {
      vars.put(overrides[i], overrides[i + 1]);
    }
    return PeerConfig.from(new Env(vars));
  }

  static HttpResponse<Buffer> get(HostedPeer peer, String path) throws Exception {
    return get(peer, path, null);
  }

  static HttpResponse<Buffer> get(HostedPeer peer, String path, String requester) throws Exception {
    var req = http.getAbs(peer.baseUrl() + path);
    if (requester != null) {
      req.putHeader(CdnHeaders.PEER_REQUEST, requester);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** A new peer that hedges a player's segment after 300 ms and gives holders 5 s. */
  static HostedPeer hedgingPeer(String peerId) {
    // A tracker lookup that outlasts the default 300 ms on a loaded machine (a full CI run) names no
    // holder, and the fetch goes to the edges by itself: these tests are about what a hedge does.
    return host.startPeer(peerConfig("PEER_ID", peerId, "CACHE_BYTES", "10000000", "PLAYER_HEDGE_MS", "300",
        "PEER_TIMEOUT_MS", "5000", "P2P_BUDGET_MS", "6000", "TRACKER_TIMEOUT_MS", "3000"));
  }

  /** The {@code Range} of the bytes the trickling holder had not sent when it stalled. */
  static final String TRICKLED_REST = "bytes=" + FakeNetwork.TRICKLE_PREFIX + "-" + (FakeNetwork.SEGMENT_BYTES - 1);

  static String sha(int segment) {
    return SegmentFetcher.sha256(net.segments.get(FakeNetwork.segmentId(segment)));
  }

  static JsonObject holderOf(HostedPeer p) {
    return FakeNetwork.holder(p.id(), p.baseUrl());
  }

  @Test
  void firstPlayerGoesThroughTheEdgeToOriginThenAnotherPeerGetsItFromThatPeer() throws Exception {
    String seg = FakeNetwork.segmentId(0);
    HttpResponse<Buffer> a = get(p1, "/segments/" + seg);
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(a.getHeader("X-CDN-Source")).isEqualTo("origin"); // the edge said MISS
    assertThat(a.getHeader("X-CDN-Hops")).isEqualTo("2");
    assertThat(a.getHeader("X-CDN-Edge")).isEqualTo("edge-t");
    assertThat(SegmentFetcher.sha256(a.body())).isEqualTo(sha(0));

    net.holders(seg, holderOf(p1));
    HttpResponse<Buffer> b = get(p2, "/segments/" + seg);
    assertThat(b.statusCode()).isEqualTo(200);
    assertThat(b.getHeader("X-CDN-Source")).isEqualTo("peer");
    assertThat(b.getHeader("X-CDN-Peer")).isEqualTo(p1.id());
    assertThat(b.getHeader("X-CDN-Hops")).isEqualTo("1");
    assertThat(SegmentFetcher.sha256(b.body())).isEqualTo(sha(0));
    assertThat(net.edgeRequests(seg)).isEqualTo(1);

    HttpResponse<Buffer> again = get(p2, "/segments/" + seg);
    assertThat(again.getHeader("X-CDN-Source")).isEqualTo("local");
    assertThat(again.getHeader("X-CDN-Hops")).isEqualTo("0");
    assertThat(host.peer(p2.id()).meters().requests(Tier.PEER)).isEqualTo(1.0);
    assertThat(host.peer(p1.id()).uploadSlots().uploads()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void corruptHolderIsDetectedPenalisedAndBypassed() throws Exception {
    String seg1 = FakeNetwork.segmentId(1);
    assertThat(get(p1, "/segments/" + seg1).statusCode()).isEqualTo(200);
    net.holders(seg1, net.badHolder(), holderOf(p1));
    int before = net.badHolderRequests.get();

    HttpResponse<Buffer> r = get(p3, "/segments/" + seg1);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("X-CDN-Source")).isEqualTo("peer");
    assertThat(r.getHeader("X-CDN-Peer")).isEqualTo(p1.id());
    assertThat(r.getHeader("X-CDN-Attempts")).isEqualTo("2");
    assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(1));
    assertThat(net.badHolderRequests.get()).isEqualTo(before + 1);
    assertThat(host.peer(p3.id()).meters().integrityFailures()).isEqualTo(1.0);

    // Penalised: not asked again for another segment it claims to hold.
    String seg3 = FakeNetwork.segmentId(3);
    net.holders(seg3, net.badHolder());
    HttpResponse<Buffer> r3 = get(p3, "/segments/" + seg3);
    assertThat(r3.statusCode()).isEqualTo(200);
    assertThat(SegmentFetcher.sha256(r3.body())).isEqualTo(sha(3));
    assertThat(r3.getHeader("X-CDN-Source")).isIn("edge", "origin");
    assertThat(net.badHolderRequests.get()).isEqualTo(before + 1);
  }

  @Test
  void hangingHolderIsBypassedWithinThePerAttemptTimeout() throws Exception {
    String seg = FakeNetwork.segmentId(2);
    net.holders(seg, net.hangingHolder());
    long start = System.nanoTime();
    HttpResponse<Buffer> r = get(p2, "/segments/" + seg);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("X-CDN-Source")).isIn("edge", "origin");
    assertThat(r.getHeader("X-CDN-Attempts")).isEqualTo("2");
    assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(2));
    assertThat(net.hangingHolderRequests.get()).isGreaterThanOrEqualTo(1);
    // 1000 ms per attempt, 2500 ms peer budget: the hanging holder costs one attempt, not the budget
    assertThat(ms).isLessThan(3500);
  }

  @Test
  void withUploadSlotsFullAPeerRequestGets503AndTheRequesterMovesOn() throws Exception {
    String seg = FakeNetwork.segmentId(4);
    assertThat(get(p1, "/segments/" + seg).statusCode()).isEqualTo(200);
    UploadSlots slots = host.peer(p1.id()).uploadSlots();
    List<UploadSlots.Grant> held = new ArrayList<>();
    try {
      // Hold every slot as concurrent uploads would: unchoked requesters, then the optimistic one.
      List<String> requesters = new ArrayList<>(List.of("x1", "x2", "x3", "x4", "x5", "x6"));
      requesters.addAll(slots.unchokedPeers());
      if (slots.optimisticPeer() != null) {
        requesters.add(slots.optimisticPeer());
      }
      for (String other : requesters) {
        slots.tryAcquire(other, System.currentTimeMillis()).ifPresent(held::add);
      }
      assertThat(slots.active()).isEqualTo(slots.capacity());
      PeerMeters meters = host.peer(p1.id()).meters();
      double slotsFullBefore = meters.rejections(PeerMeters.Refusal.UPLOAD_SLOTS_FULL);
      double uplinkBusyBefore = meters.rejections(PeerMeters.Refusal.UPLINK_BUSY);
      HttpResponse<Buffer> direct = get(p1, "/segments/" + seg, "someone");
      assertThat(direct.statusCode()).isEqualTo(503);
      assertThat(direct.getHeader("Retry-After")).isEqualTo("1");
      assertThat(direct.bodyAsJsonObject().getString("error")).isEqualTo("upload_slots_full");
      // a chunk request (one Range, issue 14) takes an upload slot like a whole segment
      HttpResponse<Buffer> chunk = http.getAbs(p1.baseUrl() + "/segments/" + seg)
          .putHeader(CdnHeaders.PEER_REQUEST, "someone").putHeader("Range", "bytes=0-4095").send()
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(chunk.statusCode()).isEqualTo(503);
      assertThat(meters.rejections(PeerMeters.Refusal.UPLOAD_SLOTS_FULL)).as("counted by reason")
          .isEqualTo(slotsFullBefore + 2);
      assertThat(meters.rejections(PeerMeters.Refusal.UPLINK_BUSY)).isEqualTo(uplinkBusyBefore);

      net.holders(seg, holderOf(p1));
      HttpResponse<Buffer> viaPeer = get(p3, "/segments/" + seg);
      assertThat(viaPeer.statusCode()).isEqualTo(200);
      assertThat(viaPeer.getHeader("X-CDN-Source")).isIn("edge", "origin");
      assertThat(viaPeer.getHeader("X-CDN-Attempts")).isEqualTo("2");
    } finally {
      held.forEach(slots::release);
    }
  }

  @Test
  void aHolderWhoseUplinkIsBookedRefusesWith503AndTheRequesterMovesOn() throws Exception {
    // 80 kbit/s: a 20,000-byte segment books the uplink for 2 s, over the 1 s UPLOAD_QUEUE_MS
    HostedPeer thin = host.startPeer(peerConfig("PEER_ID", "thin-uplink", "UPLINK_BITS_PER_SECOND", "80000"));
    HostedPeer asking = host.startPeer(peerConfig("PEER_ID", "asks-thin"));
    String seg = FakeNetwork.segmentId(1);
    assertThat(get(thin, "/segments/" + seg).statusCode()).as("cached from the edge").isEqualTo(200);

    HttpClientResponse first = underWay(thin, seg, "x1", null);
    assertThat(first.statusCode()).as("an idle uplink takes an upload however long it is").isEqualTo(200);
    HttpResponse<Buffer> second = get(thin, "/segments/" + seg, "x2");
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.bodyAsJsonObject().getString("error")).isEqualTo("uplink_busy");
    assertThat(Integer.parseInt(second.getHeader("Retry-After"))).as("s until the 2 s backlog drains").isBetween(1, 2);
    HttpResponse<Buffer> chunk = http.getAbs(thin.baseUrl() + "/segments/" + seg)
        .putHeader(CdnHeaders.PEER_REQUEST, "x3").putHeader("Range", "bytes=0-999").send()
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(chunk.statusCode()).as("1,000 bytes would still wait 2 s behind the first").isEqualTo(503);
    PeerMeters meters = host.peer(thin.id()).meters();
    assertThat(meters.rejections(PeerMeters.Refusal.UPLINK_BUSY)).as("counted by reason").isEqualTo(2);
    assertThat(meters.rejections(PeerMeters.Refusal.UPLOAD_SLOTS_FULL)).isZero();

    net.holders(seg, holderOf(thin));
    HttpResponse<Buffer> viaPeer = get(asking, "/segments/" + seg);
    assertThat(viaPeer.statusCode()).isEqualTo(200);
    assertThat(viaPeer.getHeader("X-CDN-Source")).isIn("edge", "origin");
    assertThat(viaPeer.getHeader("X-CDN-Attempts")).as("the holder's 503, then the edge").isEqualTo("2");
    assertThat(SegmentFetcher.sha256(viaPeer.body())).isEqualTo(sha(1));

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(get(thin, "/segments/" + seg, "x4").statusCode())
            .as("the backlog drained").isEqualTo(200));
  }

  @Test
  void aHolderKeepsHalfItsUplinkQueueForUrgentRequestsAndSendsThemFirst() throws Exception {
    // 400 kbit/s: a 20,000-byte segment books the uplink for 400 ms; background uploads may fill 500 ms of the
    // 1 s UPLOAD_QUEUE_MS
    HostedPeer holder = host.startPeer(peerConfig("PEER_ID", "half-queue", "UPLINK_BITS_PER_SECOND", "400000"));
    String seg = FakeNetwork.segmentId(1);
    assertThat(get(holder, "/segments/" + seg).statusCode()).as("cached from the edge").isEqualTo(200);

    HttpClientResponse b1 = underWay(holder, seg, "b1", UploadPriority.BACKGROUND.header());
    assertThat(b1.statusCode()).as("an idle uplink takes a background upload").isEqualTo(200);
    List<String> ended = new CopyOnWriteArrayList<>();
    Future<Buffer> b1Body = b1.body().onSuccess(b -> ended.add("b1"));
    HttpResponse<Buffer> background = getWithPriority(holder, seg, "b2", "u=6, i");
    assertThat(background.statusCode()).as("it would end 800 ms from now: past half the queue").isEqualTo(503);
    assertThat(background.bodyAsJsonObject().getString("error")).isEqualTo("uplink_busy");
    Future<HttpClientResponse> u1 = ask(holder, seg, "u1", null);
    // booked once the pacer has it (its head waits for the slice of b1 under way, up to 330 ms)
    await().atMost(Duration.ofSeconds(5)).until(() -> host.peer(holder.id()).uploadPacer().active() == 2);
    assertThat(u1.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).statusCode())
        .as("an urgent one (no Priority: RFC 9218's default) waits for no background one").isEqualTo(200);
    HttpResponse<Buffer> b3 = getWithPriority(holder, seg, "b3", "u=7");
    assertThat(b3.statusCode()).as("a background one waits for both").isEqualTo(503);
    assertThat(b3.getHeader("Retry-After")).as("s until the 800 ms of both drain").isEqualTo("1");
    Future<Buffer> u1Body = u1.compose(HttpClientResponse::body).onSuccess(b -> ended.add("u1"));
    Future.all(b1Body, u1Body).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(ended).as("the urgent upload is sent before the background one under way").containsExactly("u1", "b1");
  }

  /**
   * A peer's request for {@code seg}, completing once the answer's head arrived (a holder's paced upload
   * sends it with its first slice), the body still to come; {@code priority} null sends none.
   */
  private static HttpClientResponse underWay(HostedPeer holder, String seg, String requester, String priority)
      throws Exception {
    return ask(holder, seg, requester, priority).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** {@link #underWay} not waited for. */
  private static Future<HttpClientResponse> ask(HostedPeer holder, String seg, String requester, String priority) {
    return heads.request(new RequestOptions().setAbsoluteURI(holder.baseUrl() + "/segments/" + seg)
        .putHeader(CdnHeaders.PEER_REQUEST, requester)).compose(req -> {
          if (priority != null) {
            req.putHeader(UploadPriority.HEADER, priority);
          }
          return req.send();
        });
  }

  private static HttpResponse<Buffer> getWithPriority(HostedPeer holder, String seg, String requester,
      String priority) throws Exception {
    var req = http.getAbs(holder.baseUrl() + "/segments/" + seg).putHeader(CdnHeaders.PEER_REQUEST, requester);
    if (priority != null) {
      req.putHeader(UploadPriority.HEADER, priority);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void concurrentPlayerRequestsShareOneFetch() throws Exception {
    String seg = FakeNetwork.segmentId(5);
    int before = net.edgeRequests(seg);
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(http.getAbs(p2.baseUrl() + "/segments/" + seg).send());
    }
    Future.all(all).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    for (var f : all) {
      assertThat(f.result().statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(f.result().body())).isEqualTo(sha(5));
    }
    assertThat(net.edgeRequests(seg) - before).isEqualTo(1);
  }

  @Test
  void badInputIsRejectedAndFailedSourcesAreNamed() throws Exception {
    HttpResponse<Buffer> bad = get(p1, "/segments/demo/64k/..%2Fetc");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("error")).isEqualTo("invalid_segment_id");
    assertThat(get(p1, "/segments/Demo!/64k/seg00000.ts").statusCode()).isEqualTo(400);
    assertThat(get(p1, "/hls/NOPE!/master.m3u8").statusCode()).isEqualTo(400);
    assertThat(get(p1, "/segments/demo/64k/seg00000.ts", "bad id!").statusCode()).isEqualTo(400);

    HttpResponse<Buffer> unknownSong = get(p1, "/segments/nosuchsong/64k/seg00000.ts");
    assertThat(unknownSong.statusCode()).isEqualTo(404);
    assertThat(unknownSong.bodyAsJsonObject().getString("error")).isEqualTo("unknown_song");
    HttpResponse<Buffer> unknownSeg = get(p1, "/segments/demo/64k/seg09999.ts");
    assertThat(unknownSeg.statusCode()).isEqualTo(404);
    assertThat(unknownSeg.bodyAsJsonObject().getString("error")).isEqualTo("unknown_segment");
    assertThat(get(p1, "/hls/nosuchsong/master.m3u8").statusCode()).isEqualTo(404);

    HttpResponse<Buffer> notCached = get(p2, "/segments/" + FakeNetwork.segmentId(3), "peer-x");
    // peer requests never trigger a fetch
    assertThat(notCached.statusCode()).isIn(200, 404);

    String seg = "demo/64k/seg00003.ts";
    HostedPeer fresh = host.startPeer(host.config().template().withIdentity("fresh", "local", 0));
    try {
      net.broken.add(seg);
      net.holders(seg, net.hangingHolder());
      // Sources down or hung: the segment exists, so the player is told to come back (503), not 502.
      HttpResponse<Buffer> failed = get(fresh, "/segments/" + seg);
      assertThat(failed.statusCode()).isEqualTo(503);
      assertThat(failed.getHeader("Retry-After")).isNotBlank();
      JsonObject body = failed.bodyAsJsonObject();
      assertThat(body.getString("error")).isEqualTo("segment_unavailable");
      assertThat(body.getJsonArray("details").encode()).contains("hanging-holder").contains("timeout after 1000 ms")
          .contains("edge").contains("500");

      // An edge that sends bytes failing the SHA-256 check is a bad gateway.
      net.broken.remove(seg);
      net.corrupt.add(seg);
      HttpResponse<Buffer> wrongBytes = get(fresh, "/segments/" + seg);
      assertThat(wrongBytes.statusCode()).isEqualTo(502);
      assertThat(wrongBytes.bodyAsJsonObject().getString("error")).isEqualTo("all_sources_failed");
      assertThat(wrongBytes.bodyAsJsonObject().getJsonArray("details").encode()).contains("sha256 mismatch");
    } finally {
      net.broken.remove(seg);
      net.corrupt.remove(seg);
      host.stopPeer("fresh", true);
    }
  }

  @Test
  void playlistsComeFromTheEdgeAndPointBackAtThePeer() throws Exception {
    HttpResponse<Buffer> master = get(p1, "/hls/demo/master.m3u8");
    assertThat(master.statusCode()).isEqualTo(200);
    assertThat(master.getHeader("Content-Type")).isEqualTo("application/vnd.apple.mpegurl");
    assertThat(master.bodyAsString()).contains("/hls/demo/64k/playlist.m3u8");
    assertThat(master.getHeader("Access-Control-Allow-Origin")).isEqualTo("*"); // hls.js in a browser
    HttpResponse<Buffer> media = get(p1, "/hls/demo/64k/playlist.m3u8");
    assertThat(media.bodyAsString()).contains("/segments/demo/64k/seg00000.ts").contains("#EXT-X-ENDLIST");
  }

  @Test
  void theMasterPlaylistOffersThePeerItsBackupAndTheEdgeAsSteeredPathways() throws Exception {
    HostedPeer steered = host.startPeer(peerConfig("PEER_ID", "steered"));
    try {
      net.steeringBackup = new String[] {p2.id(), p2.baseUrl().substring("http://".length())};
      Playlists.Steering s = Playlists.steering(steered.baseUrl() + "/hls/demo/master.m3u8",
          get(steered, "/hls/demo/master.m3u8").bodyAsString());
      String edge = s.pathways().get(2);
      assertThat(s.pathways()).containsExactly("steered", p2.id(), edge);
      assertThat(edge).startsWith("edge-");
      assertThat(s.initialPathway()).isEqualTo("steered");
      assertThat(s.serverUri()).isEqualTo(net.trackerUrl() + "/steering/demo?peer=steered&region=local&edges=" + edge);
      assertThat(s.of("steered")).extracting(Playlists.PathwayVariant::uri)
          .containsExactly(steered.baseUrl() + "/hls/demo/64k/playlist.m3u8");
      assertThat(s.of(p2.id())).extracting(Playlists.PathwayVariant::uri)
          .containsExactly(p2.baseUrl() + "/hls/demo/64k/playlist.m3u8");
      assertThat(s.of(edge)).extracting(Playlists.PathwayVariant::uri)
          .containsExactly(net.edgeUrl() + "/hls/demo/64k/playlist.m3u8");
      // each pathway's media playlist lists segments on its own server
      String viaBackup = s.of(p2.id()).get(0).uri();
      assertThat(Playlists.segments(viaBackup, http.getAbs(viaBackup).send().await().bodyAsString()).get(0).uri())
          .isEqualTo(p2.baseUrl() + "/segments/demo/64k/seg00000.ts");
    } finally {
      net.steeringBackup = null;
      host.stopPeer("steered", true);
    }
  }

  @Test
  void aTrackerThatDoesNotAnswerOnlyCostsTheBackupPathway() throws Exception {
    HostedPeer lonely = host.startPeer(peerConfig("PEER_ID", "lonely", "TRACKER_URLS",
        "http://127.0.0.1:" + LocalPorts.dead()));
    try {
      Playlists.Steering s = Playlists.steering(lonely.baseUrl() + "/hls/demo/master.m3u8",
          get(lonely, "/hls/demo/master.m3u8").bodyAsString());
      assertThat(s.pathways()).hasSize(2).startsWith("lonely");
      assertThat(s.serverUri()).startsWith("http://127.0.0.1:").contains("/steering/demo?peer=lonely");
    } finally {
      host.stopPeer("lonely", true);
    }
  }

  @Test
  void readAheadFetchesTheNextSegmentAndTheP2pWindowFromHoldersOnlyOnceThePlayerHits() throws Exception {
    String seg3 = FakeNetwork.segmentId(3);
    assertThat(get(p1, "/segments/" + seg3).statusCode()).isEqualTo(200);
    net.holders(seg3, holderOf(p1));
    int edgeBefore = net.edgeRequests(seg3);
    HostedPeer reader = host.startPeer(peerConfig("PEER_ID", "reader", "CACHE_BYTES", "10000000",
        "PEER_TIMEOUT_MS", "1000", "P2P_BUDGET_MS", "2000", "READ_AHEAD", "1", "READ_AHEAD_MS", "20000",
        "MAX_DOWNLOADS", "4"));
    try {
      var cache = host.peer("reader").cache();
      // a miss in a start-up burst: the burst window (10 s: segment 1) where it finishes first, the rest
      // of the player's next 30 s (segments 2 and 3) asked of holders at once (only 3 has one), no P2P
      // window: the player's next requests need the downlink
      HttpResponse<Buffer> first = get(reader, "/segments/" + FakeNetwork.segmentId(0));
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.getHeader("X-CDN-Answer")).startsWith("fetch; ahead=0; busy=");
      await("segments 1 and 3 read ahead").atMost(Duration.ofSeconds(10))
          .until(() -> cache.contains(FakeNetwork.segmentId(1)) && cache.contains(seg3));
      assertThat(cache.contains(FakeNetwork.segmentId(2))).as("no holder, past the burst window").isFalse();
      assertThat(net.edgeRequests(seg3)).as("the burst's holders only, never the edge").isEqualTo(edgeBefore);
      // a hit in the burst: READ_AHEAD 1 and READ_AHEAD_MS 20 s of 10 s segments, segment 2 (HTTP window)
      HttpResponse<Buffer> next = get(reader, "/segments/" + FakeNetwork.segmentId(1));
      assertThat(next.getHeader("X-CDN-Source")).isEqualTo("local");
      assertThat(next.getHeader("X-CDN-Answer")).as("nothing cached right after it")
          .startsWith("local; ahead=0; busy=");
      await("segment 2 read ahead").atMost(Duration.ofSeconds(10))
          .until(() -> cache.contains(FakeNetwork.segmentId(2)));
      assertThat(net.edgeRequests(seg3)).as("the P2P window never asks the edge").isEqualTo(edgeBefore);
      assertThat(cache.contains(FakeNetwork.segmentId(4))).isFalse();
    } finally {
      host.stopPeer("reader", true);
    }
  }

  /** A peer reading one segment ahead, for the claim tests (the multi-source song: no other test here uses it). */
  static HostedPeer claimTestPeer(String peerId) {
    return host.startPeer(peerConfig("PEER_ID", peerId, "CACHE_BYTES", "20000000", "PEER_TIMEOUT_MS", "2000",
        "P2P_BUDGET_MS", "3000", "READ_AHEAD", "1", "READ_AHEAD_MS", "10000", "MAX_DOWNLOADS", "4",
        "WARM_START_SONGS", "0"));
  }

  /**
   * Brings a claim test peer to steady play on the multi-source song: a miss on segment {@code miss} (a start-up),
   * the segment after it read ahead.
   */
  static SegmentCache missThenReadAhead(HostedPeer peer, int miss) throws Exception {
    SegmentCache cache = host.peer(peer.id()).cache();
    assertThat(get(peer, "/segments/" + FakeNetwork.multiSegmentId(miss)).statusCode()).isEqualTo(200);
    await("segment " + (miss + 1) + " read ahead").atMost(Duration.ofSeconds(10))
        .until(() -> cache.contains(FakeNetwork.multiSegmentId(miss + 1)));
    return cache;
  }

  /** The player's request for the segment read ahead: a local hit, so steady play's next segment is fetched. */
  static void localHit(HostedPeer peer, int index) throws Exception {
    assertThat(get(peer, "/segments/" + FakeNetwork.multiSegmentId(index)).getHeader("X-CDN-Source"))
        .isEqualTo("local");
  }

  @Test
  void steadyPlaysNextSegmentThatAnotherPeerIsFetchingFromAnEdgeWaitsForItsCopyInsteadOfTheEdges() throws Exception {
    String next = FakeNetwork.multiSegmentId(2);
    net.beingFetched.add(next);
    HostedPeer waiter = claimTestPeer("waiter");
    try {
      SegmentCache cache = missThenReadAhead(waiter, 0);
      int edgeBefore = net.edgeRequests(next);
      int claimsBefore = net.claims.get();
      // steady play's next segment is segment 2, which no peer holds and another peer is fetching
      localHit(waiter, 1);
      await("the waiter asked the tracker again").atMost(Duration.ofSeconds(5))
          .until(() -> net.claims.get() >= claimsBefore + 2);
      assertThat(cache.contains(next)).isFalse();
      assertThat(net.edgeRequests(next)).as("waiting, not at the edges").isEqualTo(edgeBefore);

      // the other peer's copy arrives and is announced
      assertThat(get(p1, "/segments/" + next).statusCode()).isEqualTo(200);
      net.holders(next, holderOf(p1));
      await("segment 2 from the holder").atMost(Duration.ofSeconds(5)).until(() -> cache.contains(next));
      assertThat(net.edgeRequests(next)).as("only the other peer's copy").isEqualTo(edgeBefore + 1);
      var ledger = host.peer("waiter").fetchLedger().snapshot();
      assertThat(ledger.get("claim_waited")).isEqualTo(1L);
      assertThat(ledger.get("bytes.next.peer")).isEqualTo((long) FakeNetwork.MULTI_BYTES);
    } finally {
      net.beingFetched.remove(next);
      net.holders.remove(next);
      host.stopPeer("waiter", true);
    }
  }

  @Test
  void aNextSegmentWhoseClaimantNeverDeliversGoesToTheEdgesAfterTheWait() throws Exception {
    String next = FakeNetwork.multiSegmentId(6);
    net.beingFetched.add(next);
    HostedPeer waiter = claimTestPeer("waiter2");
    try {
      SegmentCache cache = missThenReadAhead(waiter, 4);
      int edgeBefore = net.edgeRequests(next);
      long asked = System.nanoTime();
      localHit(waiter, 5);
      await("segment 6 from the edges after the wait").atMost(Duration.ofSeconds(6)).until(() -> cache.contains(next));
      assertThat(Duration.ofNanos(System.nanoTime() - asked)).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
      assertThat(net.edgeRequests(next)).isEqualTo(edgeBefore + 1);
      assertThat(host.peer("waiter2").fetchLedger().total(FetchLedger.Event.CLAIM_WAITED)).isEqualTo(1);
    } finally {
      net.beingFetched.remove(next);
      host.stopPeer("waiter2", true);
    }
  }

  @Test
  void steadyPlaysNextSegmentWhoseOnlyHolderIsBusyWaitsOutItsRetryAfterInsteadOfTheEdges() throws Exception {
    String next = FakeNetwork.multiSegmentId(8);
    // 10 Mbit/s: the 1 MB segment books the uplink for 0.8 s, so a second upload would end 1.6 s out, over the
    // 1 s UPLOAD_QUEUE_MS: the holder answers 503 with Retry-After 1 while the first one is sent.
    HostedPeer holder = host.startPeer(peerConfig("PEER_ID", "busy-holder", "CACHE_BYTES", "20000000",
        "UPLINK_BITS_PER_SECOND", "10000000"));
    HostedPeer waiter = claimTestPeer("waiter3");
    HttpClient client = vertx.createHttpClient();
    try {
      assertThat(get(holder, "/segments/" + next).statusCode()).as("cached from the edge").isEqualTo(200);
      SegmentCache cache = missThenReadAhead(waiter, 6);
      int edgeBefore = net.edgeRequests(next);
      net.holders(next, holderOf(holder));
      // another peer's upload under way: its answer has begun, so the holder's uplink is booked
      HttpClientResponse booking = client.request(HttpMethod.GET, holder.port(), "127.0.0.1", "/segments/" + next)
          .compose(req -> req.putHeader(CdnHeaders.PEER_REQUEST, "x1").send())
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(booking.statusCode()).isEqualTo(200);

      localHit(waiter, 7); // steady play's next segment is segment 8, held only by the busy holder
      await("segment 8 from the holder once it accepts again").atMost(Duration.ofSeconds(8))
          .until(() -> cache.contains(next));
      assertThat(net.edgeRequests(next)).as("never at the edges").isEqualTo(edgeBefore);
      var ledger = host.peer("waiter3").fetchLedger().snapshot();
      assertThat(ledger.get("holder_busy")).as("the holder's 503").isGreaterThanOrEqualTo(1L);
      assertThat(ledger.get("busy_waited")).isEqualTo(1L);
      assertThat(ledger.get("bytes.next.peer")).isEqualTo((long) FakeNetwork.MULTI_BYTES);
    } finally {
      client.close();
      net.holders.remove(next);
      host.stopPeer("waiter3", true);
      host.stopPeer("busy-holder", true);
    }
  }

  @Test
  void aHangingEdgeNeverHoldsThePlayerPastItsTimeout() throws Exception {
    HostedPeer peer = host.startPeer(peerConfig("PEER_ID", "two-edges",
        "EDGE_URLS", "http://127.0.0.1:" + net.hangingHolderPort + "," + net.edgeUrl(), "P2P_ENABLED", "false",
        "CACHE_BYTES", "10000000", "EDGE_TIMEOUT_MS", "800", "PROBE_MS", "600000"));
    try {
      long start = System.nanoTime();
      HttpResponse<Buffer> r = get(peer, "/segments/" + FakeNetwork.segmentId(2));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(2));
      assertThat(r.getHeader("X-CDN-Edge")).isEqualTo("edge-t");
      // The start-up probe usually ranks the answering edge first already (attempts 1); if not,
      // the hanging one costs one 800 ms edge timeout per step (manifest is shared by the host).
      assertThat(r.getHeader("X-CDN-Attempts")).isIn("1", "2");
      assertThat(ms).isLessThan(3000L);
    } finally {
      host.stopPeer("two-edges", true);
    }
  }

  @Test
  void aFetchGoneToTheEdgesIsNotHedgedWithAnotherEdgeRequest() throws Exception {
    HostedPeer peer = hedgingPeer("no-double-edge");
    String seg = FakeNetwork.segmentId(5);
    net.slowAtEdge.add(seg);
    try {
      // the one holder refuses the connection: the fetch goes on to the edge, which answers in 800 ms
      net.holders(seg, FakeNetwork.holder("gone", "http://127.0.0.1:" + LocalPorts.dead()));
      int edgeBefore = net.edgeRequests(seg);
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(5));
      assertThat(r.getHeader(CdnHeaders.ANSWER)).as("its own fetch, not a hedge").startsWith("fetch;");
      assertThat(net.edgeRequests(seg) - edgeBefore).as("the 300 ms hedge found the fetch at the edge").isEqualTo(1);
      assertThat(host.peer("no-double-edge").meters().hedges()).isZero();
    } finally {
      net.slowAtEdge.remove(seg);
      host.stopPeer("no-double-edge", true);
    }
  }

  @Test
  void aSlowHolderIsHedgedByTheEdgeAndItsCopyStillLandsInTheCache() throws Exception {
    HostedPeer peer = hedgingPeer("hedger");
    try {
      String seg = FakeNetwork.segmentId(3);
      assertThat(get(p1, "/segments/" + seg).statusCode()).isEqualTo(200); // the edge holds it now
      net.holders(seg, net.slowHolder());
      int edgeBefore = net.edgeRequests(seg);
      int slowBefore = net.slowHolderAnswers.get();

      long start = System.nanoTime();
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-CDN-Source")).isEqualTo("edge");
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(3));
      // hedge 300 ms + a loopback edge hit; the holder takes 2500 ms (headroom for a busy 2-core box)
      assertThat(ms).isBetween(300L, 1800L);
      assertThat(net.edgeRequests(seg) - edgeBefore).isEqualTo(1);
      var node = host.peer("hedger");
      assertThat(node.meters().hedges()).isEqualTo(1.0);
      assertThat(node.meters().hedgeWins()).isEqualTo(1.0);

      // The winner's copy is cached at once; the peer fetch goes on (its copy only touches the entry).
      assertThat(node.cache().contains(seg)).isTrue();
      await("the slow holder's answer").atMost(Duration.ofSeconds(10))
          .until(() -> net.slowHolderAnswers.get() - slowBefore == 1);
      assertThat(net.edgeRequests(seg) - edgeBefore).isEqualTo(1);
      HttpResponse<Buffer> again = get(peer, "/segments/" + seg);
      assertThat(again.getHeader("X-CDN-Source")).isEqualTo("local");
      assertThat(node.meters().hedges()).isEqualTo(1.0);
    } finally {
      host.stopPeer("hedger", true);
    }
  }

  @Test
  void aHedgeTakesOverAStalledHoldersTransferAndAsksTheEdgeOnlyForTheRest() throws Exception {
    HostedPeer peer = hedgingPeer("resumer");
    String seg = FakeNetwork.segmentId(3);
    try {
      net.holders(seg, net.tricklingHolder());
      int edgeBefore = net.edgeRequests(seg);

      long start = System.nanoTime();
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(3));
      assertThat(r.getHeader("X-CDN-Source")).isEqualTo("edge");
      assertThat(ms).as("answered after the hedge, not after the holder's stall").isBetween(300L, 1800L);
      // One edge request, for the bytes the holder had not sent; the holder's transfer was stopped.
      assertThat(net.edgeRanges(seg, edgeBefore)).containsExactly(TRICKLED_REST);
      await("the holder's connection reset").atMost(Duration.ofSeconds(10))
          .until(() -> net.tricklingResets.get() == 1);
      var node = host.peer("resumer");
      assertThat(node.meters().hedgeWins()).isEqualTo(1.0);
      assertThat(node.fetchLedger().total(FetchLedger.Event.HEDGE_RESUMED)).isEqualTo(1);
      assertThat(node.fetchLedger().snapshot()).containsEntry("bytes.hedge.edge",
          (long) FakeNetwork.SEGMENT_BYTES - FakeNetwork.TRICKLE_PREFIX);
      assertThat(get(peer, "/segments/" + seg).getHeader("X-CDN-Source")).isEqualTo("local");
    } finally {
      net.holders.remove(seg);
      host.stopPeer("resumer", true);
    }
  }

  @Test
  void aResumeTheEdgeCannotCompleteFetchesTheWholeSegmentFromTheEdges() throws Exception {
    HostedPeer peer = hedgingPeer("resumer-2");
    String seg = FakeNetwork.segmentId(3);
    try {
      net.holders(seg, net.tricklingHolder());
      net.rangeIgnored.add(seg); // the edge answers the rest's request with the whole segment (200)
      int edgeBefore = net.edgeRequests(seg);
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(3));
      // the rest asked for and answered whole (not 206: refused), then the whole segment
      assertThat(net.edgeRanges(seg, edgeBefore)).containsExactly(TRICKLED_REST, "whole");
      FetchLedger ledger = host.peer("resumer-2").fetchLedger();
      assertThat(ledger.total(FetchLedger.Event.HEDGE_RESUME_FAILED)).isEqualTo(1);
      assertThat(ledger.total(FetchLedger.Event.HEDGE_RESUMED)).isZero();
      assertThat(ledger.total(FetchLedger.Event.HEDGE_WHOLE)).isEqualTo(1);
    } finally {
      net.rangeIgnored.remove(seg);
      net.holders.remove(seg);
      host.stopPeer("resumer-2", true);
    }
  }

  @Test
  void aHolderFasterThanTheHedgeIsNeverHedged() throws Exception {
    HostedPeer peer = host.startPeer(peerConfig("PEER_ID", "unhedged", "CACHE_BYTES", "10000000",
        "PLAYER_HEDGE_MS", "1500"));
    try {
      String seg = FakeNetwork.segmentId(4);
      assertThat(get(p1, "/segments/" + seg).statusCode()).isEqualTo(200);
      net.holders(seg, holderOf(p1));
      int edgeBefore = net.edgeRequests(seg);
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg);
      assertThat(r.getHeader("X-CDN-Source")).isEqualTo("peer");
      assertThat(host.peer("unhedged").meters().hedges()).isZero();
      assertThat(net.edgeRequests(seg)).isEqualTo(edgeBefore);
    } finally {
      host.stopPeer("unhedged", true);
    }
  }

  @Test
  void aFreshPeerStartsASongAtTheEdgesAndAsksHoldersFirstForTheRest() throws Exception {
    HostedPeer peer = hedgingPeer("starter");
    String first = FakeNetwork.segmentId(0);
    String later = FakeNetwork.segmentId(2);
    try {
      // A slow holder of the song's first segment: before, the player waited the 300 ms hedge for it.
      net.holders(first, net.slowHolder());
      int edgeBefore = net.edgeRequests(first);
      HttpResponse<Buffer> r = get(peer, "/segments/" + first);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(0));
      assertThat(r.getHeader(CdnHeaders.ANSWER)).as("nothing measured: the start-up goes to the edges at once")
          .startsWith("edge-first;");
      assertThat(net.edgeRequests(first) - edgeBefore).isEqualTo(1);
      assertThat(host.peer("starter").meters().hedges()).isZero();

      // Mid-song, still no holder measured: holders first, as before.
      assertThat(get(p1, "/segments/" + later).statusCode()).isEqualTo(200);
      net.holders(later, holderOf(p1));
      HttpResponse<Buffer> mid = get(peer, "/segments/" + later);
      assertThat(mid.getHeader("X-CDN-Source")).isEqualTo("peer");
      assertThat(mid.getHeader(CdnHeaders.ANSWER)).startsWith("fetch;");
    } finally {
      net.holders.remove(first);
      net.holders.remove(later);
      host.stopPeer("starter", true);
    }
  }

  @Test
  void aPlayerInItsStartUpBurstWaitsForTheBurstsReadAheadFromHoldersBeforeTheEdgesAreAsked() throws Exception {
    HostedPeer peer = host.startPeer(peerConfig("PEER_ID", "burster", "CACHE_BYTES", "10000000",
        "PLAYER_HEDGE_MS", "300", "READ_AHEAD", "3", "PEER_TIMEOUT_MS", "5000", "P2P_BUDGET_MS", "6000",
        "TRACKER_TIMEOUT_MS", "3000"));
    String third = FakeNetwork.segmentId(2);
    try {
      // The song's start from the edges; its third segment's only holder sends it after 2.5 s.
      net.holders(third, net.slowHolder());
      int edgeBefore = net.edgeRequests(third);
      assertThat(get(peer, "/segments/" + FakeNetwork.segmentId(0)).getHeader(CdnHeaders.ANSWER))
          .startsWith("edge-first;");
      await("the next segment read ahead").atMost(Duration.ofSeconds(10))
          .until(() -> host.peer("burster").cache().contains(FakeNetwork.segmentId(1)));
      assertThat(get(peer, "/segments/" + FakeNetwork.segmentId(1)).getHeader("X-CDN-Source")).isEqualTo("local");

      // Asked at once after the second, as hls.js does in its burst: it joins the burst's read-ahead, and
      // with 10 s of media buffered it waits a second for the holder before the edges (300 ms before).
      long start = System.nanoTime();
      HttpResponse<Buffer> r = get(peer, "/segments/" + third);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(sha(2));
      assertThat(r.getHeader(CdnHeaders.ANSWER)).startsWith("hedge;")
          .endsWith("; of=burst; hedged-after=" + ReadAhead.MAX_BURST_PATIENCE_MS);
      assertThat(ms).as("the edges asked after the patience, not after the holder's 2.5 s")
          .isBetween(ReadAhead.MAX_BURST_PATIENCE_MS, FakeNetwork.SLOW_HOLDER_MS - 200);
      assertThat(net.edgeRequests(third) - edgeBefore).isEqualTo(1);
    } finally {
      net.holders.remove(third);
      host.stopPeer("burster", true);
    }
  }

  @Test
  void withP2pOffTheTrackerIsNeverAsked() throws Exception {
    HostedPeer baseline = host.startPeer(peerConfig("PEER_ID", "baseline", "P2P_ENABLED", "false"));
    try {
      int lookups = net.trackerLookups.get();
      net.holders(FakeNetwork.segmentId(0), holderOf(p1));
      HttpResponse<Buffer> r = get(baseline, "/segments/" + FakeNetwork.segmentId(0));
      assertThat(r.getHeader("X-CDN-Source")).isIn("edge", "origin");
      assertThat(net.trackerLookups.get()).isEqualTo(lookups);
    } finally {
      host.stopPeer("baseline", false);
    }
  }

  @Test
  void aPlayerMayAskForOneByteRange() throws Exception {
    String seg = FakeNetwork.segmentId(0);
    Buffer whole = net.segments.get(seg);
    HttpResponse<Buffer> r = http.getAbs(p1.baseUrl() + "/segments/" + seg).putHeader("Range", "bytes=100-199")
        .send().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.getHeader("Content-Range")).isEqualTo("bytes 100-199/" + whole.length());
    assertThat(r.body().getBytes()).isEqualTo(whole.getBuffer(100, 200).getBytes());
    HttpResponse<Buffer> beyond = http.getAbs(p1.baseUrl() + "/segments/" + seg)
        .putHeader("Range", "bytes=" + whole.length() + "-").send().toCompletionStage().toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.getHeader("Cache-Control")).as("an error is about this moment").isEqualTo("no-store");
  }

  @Test
  void segmentsWithoutAnIdIsAClientErrorInTheEnvelopeNeverCached() throws Exception {
    for (String path : List.of("/segments", "/segments/")) {
      HttpResponse<Buffer> r = get(p1, path);
      assertThat(r.statusCode()).as(path).isIn(400, 404);
      assertThat(r.bodyAsJsonObject().getString("error")).as(path).isNotBlank();
      assertThat(r.getHeader("Cache-Control")).as(path).isEqualTo("no-store");
    }
    HttpResponse<Buffer> peerAsking = get(p1, "/segments", "peer-x");
    assertThat(peerAsking.statusCode()).isIn(400, 404);
    for (String path : List.of("/nope", "/segments/demo/64k/seg09999.ts", "/hls/nosuchsong/master.m3u8")) {
      assertThat(get(p1, path).getHeader("Cache-Control")).as(path).isEqualTo("no-store");
    }
    assertThat(get(p1, "/ping").getHeader("Cache-Control")).isNull();
  }

  @Test
  void statusAndPingDescribeThePeer() throws Exception {
    JsonObject status = get(p1, "/status").bodyAsJsonObject();
    assertThat(status.getString("peerId")).isEqualTo(p1.id());
    assertThat(status.getJsonObject("uploads").getInteger("slots")).isEqualTo(5);
    assertThat(get(p1, "/ping").bodyAsJsonObject().getString("id")).isEqualTo(p1.id());
    assertThat(get(p1, "/metrics").bodyAsString()).contains("cdn_peer_player_requests_total");
    assertThat(get(p1, "/nope").statusCode()).isEqualTo(404);
    JsonObject health = get(p1, "/health").bodyAsJsonObject();
    assertThat(health.getJsonObject("checks").fieldNames()).contains("cache", "events");
    Optional.ofNullable(status.getJsonArray("links")).ifPresent(l -> assertThat(l.size()).isGreaterThanOrEqualTo(1));
  }

  @Test
  void browsersMayReadEveryAnswerAndPreflightsAreAnswered() throws Exception {
    var preflight = http.requestAbs(io.vertx.core.http.HttpMethod.OPTIONS, p1.baseUrl() + "/segments/"
        + FakeNetwork.segmentId(0)).putHeader("Origin", "http://player.example")
        .putHeader("Access-Control-Request-Method", "GET").send().toCompletionStage().toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("GET");
    assertThat(preflight.getHeader("Access-Control-Allow-Headers")).contains("Range");
    for (String path : List.of("/health", "/metrics", "/ping", "/nope")) {
      assertThat(get(p1, path).getHeader("Access-Control-Allow-Origin")).as(path).isEqualTo("*");
    }
  }
}
