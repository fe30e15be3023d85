package dev.hybridcdn.ops.chaos;

import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.processes.ServiceProcess;
import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.stack.EmbeddedStores;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs {@link Scenario}s against a running {@code cdn up --processes} stack ({@code stack.json}):
 * for each, simulated players ({@link Swarm}: hls.js's content-steering rules, failover between
 * pathways) play for {@value #FAULT_AT_S} s, the fault is injected into real OS processes
 * ({@code kill -9}, SIGTERM, SIGSTOP), held, put right (the process started again from its
 * {@code stack.json} command, which is then rewritten with the new pid), and the players play
 * {@value #TAIL_S} s more. Then the players' requests are counted and the period's
 * {@code SegmentDelivered} events are read back from Kafka ({@link HistoryReader}) and compared
 * with the segments the players were answered.
 *
 * <p>Killed peers leave the players' peer list at once (an app learns of a dead peer when its
 * master playlist fails; the players' pathways carry them over meanwhile) and come back once
 * restarted and listed by the tracker.
 */
public final class Chaos {
  static final int FAULT_AT_S = 6;
  static final int TAIL_S = 8;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(90);

  /**
   * How the players play.
   *
   * @param players simulated players per scenario
   * @param speedup playback speed-up (a 10 s segment every 10/speedup s)
   * @param seed random seed of songs, peers and victims
   */
  public record Options(int players, double speedup, long seed) {}

  private final Path stackFile;
  private final Options options;
  private final Consumer<String> progress;
  private final HttpClient http = StackEnv.httpClient(Duration.ofSeconds(2));
  private final Path media;

  /**
   * @param stackFile the running stack's {@code stack.json}
   * @param media folder of audio files (a re-ingest takes one that is not the song re-ingested)
   */
  public Chaos(Path stackFile, Path media, Options options, Consumer<String> progress) {
    this.stackFile = stackFile;
    this.media = media;
    this.options = options;
    this.progress = progress;
  }

  /** Runs the scenarios one after another; one row each. */
  public List<ChaosRow> run(List<Scenario> scenarios) throws Exception {
    List<ChaosRow> rows = new ArrayList<>();
    for (Scenario s : scenarios) {
      ChaosRow row = run(s);
      progress.accept(String.format(Locale.ROOT, "[%s] %d requests, %d failed, stall %.1f s, events lost %d,"
          + " recovery %.1f s; %s", s.id(), row.requests(), row.failed(), row.stallSeconds(), row.eventsLost(),
          row.recoverySeconds(), row.note()));
      rows.add(row);
    }
    return rows;
  }

  /** What the injection measured. */
  private record Outcome(double recoverySeconds, String note, Reingest reingest) {}


  ChaosRow run(Scenario s) throws Exception {
    StackFile stack = stack();
    if (s == Scenario.TRACKER_KILL && stack.ofKind("tracker").size() < 2) {
      return ChaosRow.skipped(s, "needs --trackers 2 (peers fail over to the other instance)");
    }
    awaitAllUp(stack);
    List<PeerRef> peers = stack.ofKind("peer").stream().filter(ServiceProcess::alive)
        .map(p -> new PeerRef(p.name(), "unknown", p.url())).toList();
    PeerDirectory directory = new PeerDirectory(peers);
    SwarmOptions o = SwarmOptions.defaults().withPlayers(options.players()).withSpeedup(options.speedup())
        .withRamp(Duration.ofSeconds(3)).withSongs(1000, 0).withSeed(options.seed() + s.ordinal())
        .withDeadline(Duration.ofMinutes(10));
    progress.accept(String.format(Locale.ROOT, "[%s] %s: %d players on %d peers", s.id(), s.title(),
        o.players(), peers.size()));
    long startMs = System.currentTimeMillis();
    // Players sign their songs' tokens when the stack wants them (cdn up --processes --auth).
    Swarm swarm = new Swarm(stack.env().get("ORIGIN_URL"), directory, null, o, StackEnv.clientTls(),
        PlayerTokens.from(new Env(stack.env())));
    Swarm.Result result;
    Outcome outcome;
    try {
      CompletableFuture<Swarm.Result> running = CompletableFuture.supplyAsync(() -> {
        try {
          return swarm.run();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }, EmbeddedStores.OWN_THREAD);
      Thread.sleep(FAULT_AT_S * 1000L);
      try {
        outcome = inject(s, directory, swarm, new Random(options.seed() * 31 + s.ordinal()));
      } finally {
        Thread.sleep(TAIL_S * 1000L);
        swarm.stop();
      }
      result = running.join();
    } finally {
      swarm.close();
    }
    long endMs = System.currentTimeMillis();
    List<PlayerRequest> requests = result.requests();
    long failed = requests.stream().filter(PlayerRequest::failed).count();
    long failed503 = requests.stream().filter(r -> r.failed() && r.status() == 503).count();
    long segments = requests.stream().filter(r -> !r.failed() && r.kind() == PlayerRequest.Kind.SEGMENT).count();
    long lost = EventsLost.count(stack, segments, startMs, endMs, progress);
    String note = outcome.note();
    if (outcome.reingest() != null) {
      note += "; stale segments " + outcome.reingest().stale(requests);
    }
    if (failed > 0) {
      note += "; first failure: " + requests.stream().filter(PlayerRequest::failed).findFirst()
          .map(r -> r.kind() + " " + r.url() + " " + r.error()).orElse("");
    }
    return new ChaosRow(s.id(), requests.size(), failed, failed503, result.failovers(), result.stallMillis() / 1000.0,
        segments, lost, outcome.recoverySeconds(), note);
  }

  private Outcome inject(Scenario s, PeerDirectory directory, Swarm swarm, Random random) throws Exception {
    StackFile stack = stack();
    return switch (s) {
      case PEER_KILL -> killPeers(busiest(stack.ofKind("peer"), swarm), directory);
      case PEERS_10 -> killPeers(randomPeers(stack, random, 0.10), directory);
      case PEERS_50 -> killPeers(randomPeers(stack, random, 0.50), directory);
      case EDGE_KILL -> killAndRestart(busiestEdge(stack), true, Duration.ofSeconds(10));
      case ORIGIN_STOP -> killAndRestart(stack.process("origin").orElseThrow(), false, Duration.ofSeconds(20));
      case TRACKER_KILL -> killAndRestart(stack.process("tracker-1").orElseThrow(), true, Duration.ofSeconds(15));
      case KAFKA_OUTAGE -> kafkaOutage(stack);
      case PEER_PAUSE -> pause(busiest(stack.ofKind("peer"), swarm).get(0));
      case REINGEST -> reingest(stack);
    };
  }

  private Outcome killPeers(List<ServiceProcess> victims, PeerDirectory directory) throws Exception {
    for (ServiceProcess p : victims) {
      p.kill();
      directory.remove(p.name());
    }
    String names = String.join(",", victims.stream().map(ServiceProcess::name).toList());
    Thread.sleep(10_000);
    long t0 = System.nanoTime();
    List<ServiceProcess> restarted = new ArrayList<>();
    for (ServiceProcess p : victims) {
      restarted.add(restart(p));
    }
    boolean back = true;
    for (ServiceProcess p : restarted) {
      back &= await(() -> "UP".equals(p.health(http)) && listed(p.name()), RECOVERY_BOUND);
      directory.add(new PeerRef(p.name(), "unknown", p.url()));
    }
    return new Outcome(back ? seconds(t0) : -1, "killed " + names + "; restarted after 10 s, back in the tracker's"
        + " /peers", null);
  }

  private Outcome killAndRestart(ServiceProcess victim, boolean kill9, Duration hold) throws Exception {
    if (kill9) {
      victim.kill();
    } else {
      victim.stop(Duration.ofSeconds(10));
    }
    Thread.sleep(hold.toMillis());
    long t0 = System.nanoTime();
    ServiceProcess again = restart(victim);
    boolean up = await(() -> "UP".equals(again.health(http)), RECOVERY_BOUND);
    return new Outcome(up ? seconds(t0) : -1, (kill9 ? "kill -9 " : "SIGTERM ") + victim.name() + "; started again after "
        + hold.toSeconds() + " s, recovery = /health 200", null);
  }

  private Outcome kafkaOutage(StackFile stack) throws Exception {
    ServiceProcess broker = stack.process("kafka").orElseThrow();
    long expiredBefore = trackerCount("expirations");
    long liveBefore = trackerCount("livePeers");
    broker.kill();
    long minLive = liveBefore;
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      minLive = Math.min(minLive, trackerCount("livePeers"));
      Thread.sleep(1000);
    }
    long t0 = System.nanoTime();
    ServiceProcess again = restart(broker);
    boolean back = await(() -> "UP".equals(again.health(http)), Duration.ofSeconds(60))
        && await(() -> stack.ofKind("tracker").stream().allMatch(t -> "UP".equals(t.health(http)))
            && trackerCount("livePeers") >= liveBefore, RECOVERY_BOUND);
    double recovery = back ? seconds(t0) : -1;
    Thread.sleep(3000);
    long expired = trackerCount("expirations") - expiredBefore;
    minLive = Math.min(minLive, trackerCount("livePeers"));
    return new Outcome(recovery, String.format(Locale.ROOT, "kill -9 broker, restarted after 30 s on the same port and"
        + " data; live peers expired %d (tracker livePeers %d before, at least %d throughout)", expired, liveBefore,
        minLive), null);
  }

  private Outcome pause(ServiceProcess peer) throws Exception {
    peer.signal("STOP");
    boolean expired = false;
    long until = System.nanoTime() + Duration.ofSeconds(25).toNanos();
    while (System.nanoTime() < until) {
      expired |= !listed(peer.name());
      Thread.sleep(500);
    }
    peer.signal("CONT");
    long t0 = System.nanoTime();
    boolean back = await(() -> listed(peer.name()), RECOVERY_BOUND);
    return new Outcome(back ? seconds(t0) : -1, "SIGSTOP " + peer.name() + " 25 s, " + (expired
        ? "expired by the tracker meanwhile" : "never expired") + "; recovery = readmission (GET /peers/{id} 200)", null);
  }

  private Outcome reingest(StackFile stack) throws Exception {
    String origin = stack.env().get("ORIGIN_URL");
    List<String> songs = new ArrayList<>(ManifestJson.parseSongList(get(origin + CdnPaths.SONGS).body()).stream()
        .map(x -> x.songId()).toList());
    Collections.sort(songs); // the swarm's Zipf rank 1 is the first
    String song = songs.get(0);
    Map<String, String> before = Reingest.hashes(get(origin + "/songs/" + song).body());
    Path other = MediaFiles.list(media).stream().filter(f -> !MediaFiles.songId(f).equals(song))
        .min(Comparator.comparing(f -> f.toFile().length())).orElseThrow();
    Map<String, String> vars = new HashMap<>(stack.env());
    vars.put("HTTP_PORT", "0");
    vars.put("ORIGIN_DB_TIMEOUT_MS", "15000");
    try (Ingester ingester = Ingester.start(OriginConfig.from(new Env(vars)))) {
      ingester.ingest(other, song, song + " (re-ingested)");
    }
    long done = System.currentTimeMillis();
    long t0 = System.nanoTime();
    Map<String, String> after = Reingest.hashes(get(origin + "/songs/" + song).body());
    List<ServiceProcess> edges = stack.ofKind("edge");
    boolean switched = await(() -> edges.stream().allMatch(e -> {
      try {
        return Reingest.hashes(get(e.url() + "/songs/" + song).body()).equals(after);
      } catch (IOException | RuntimeException ex) {
        return false;
      }
    }), RECOVERY_BOUND);
    return new Outcome(switched ? seconds(t0) : -1, "re-ingested " + song + " from " + other.getFileName()
        + "; recovery = every edge serves the new manifest", new Reingest(song, before, after, done));
  }

  /** The live peer that answered most player requests in the last 3 s: one players are using now. */
  private static List<ServiceProcess> busiest(List<ServiceProcess> peers, Swarm swarm) {
    long since = System.currentTimeMillis() - 3000;
    Map<String, Long> served = new HashMap<>();
    swarm.requestsSoFar().stream().filter(r -> r.ts() >= since).forEach(r -> served.merge(r.peerId(), 1L, Long::sum));
    return peers.stream().filter(ServiceProcess::alive)
        .max(Comparator.comparingLong((ServiceProcess p) -> served.getOrDefault(p.name(), 0L))).stream().toList();
  }

  private static List<ServiceProcess> randomPeers(StackFile stack, Random random, double share) {
    List<ServiceProcess> live = new ArrayList<>(stack.ofKind("peer").stream().filter(ServiceProcess::alive).toList());
    Collections.shuffle(live, random);
    int n = Math.max(1, (int) Math.round(live.size() * share));
    return live.subList(0, Math.min(n, live.size() - 1));
  }

  private ServiceProcess busiestEdge(StackFile stack) {
    ServiceProcess best = null;
    double most = -1;
    for (ServiceProcess e : stack.ofKind("edge")) {
      double answered = 0;
      try {
        for (String line : get(e.url() + "/metrics").body().split("\n")) {
          if (line.startsWith("cdn_edge_requests_total")) {
            answered += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      } catch (IOException | RuntimeException ex) {
        answered = -1;
      }
      if (answered > most) {
        most = answered;
        best = e;
      }
    }
    return best;
  }

  /** Starts a process again from its command, records the new pid in stack.json. */
  private synchronized ServiceProcess restart(ServiceProcess p) {
    ServiceProcess again = p.launch();
    stack().with(again).write(stackFile);
    return again;
  }

  /** True when a tracker instance answers {@code GET /peers/{id}} with 200. */
  private boolean listed(String peerId) {
    for (String t : stack().env().get("TRACKER_URLS").split(",")) {
      try {
        return get(t + "/peers/" + peerId).statusCode() == 200;
      } catch (IOException | RuntimeException e) {
        // this instance is down: ask the next, as peers do
      }
    }
    return false;
  }

  /** A counter of the trackers' {@code GET /stats}, summed over the instances that answer; 0 when none does. */
  private long trackerCount(String field) {
    long sum = 0;
    for (String t : stack().env().get("TRACKER_URLS").split(",")) {
      try {
        HttpResponse<String> r = get(t + "/stats");
        if (r.statusCode() == 200) {
          var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
          sum += json.path(field).asLong();
          if (field.equals("livePeers")) {
            return sum; // every instance answers for the whole swarm
          }
        }
      } catch (IOException | RuntimeException e) {
        // down: counts nothing
      }
    }
    return sum;
  }

  private void awaitAllUp(StackFile stack) throws InterruptedException {
    for (ServiceProcess p : stack.processes()) {
      p.awaitUp(http, RECOVERY_BOUND);
    }
  }

  private StackFile stack() {
    return StackFile.read(stackFile).orElseThrow(() -> new IllegalStateException("no stack running: no " + stackFile));
  }

  private HttpResponse<String> get(String url) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static boolean await(BooleanSupplier condition, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
