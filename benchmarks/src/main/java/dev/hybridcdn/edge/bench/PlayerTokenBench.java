package dev.hybridcdn.edge.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What a player token check costs a request (issue 16's goal: at most 0.1 ms added to a request's p50). Two
 * real {@link EdgeServer}s from one stand-in origin serve the same cached segment from their near cache
 * (HIT-MEMORY), one with {@code PLAYER_TOKEN_SECRET} (every request carries a valid {@code ?token=}, checked,
 * the HMAC included), one without; a plain blocking HTTP/1.1 client on one keep-alive connection per edge
 * times each request, first byte written to last body byte read. Rounds alternate the two edges so a change
 * in machine load hits both alike; each round's p50 is printed, and the median round's p50 of each, their
 * difference, and the check alone in process (ns per call).
 *
 * <p>Redis from {@code REDIS_URL} (key prefix {@code cdn:bench:token:<run>:}); PostgreSQL is not used (the
 * cache tier is pointed at a closed port: the edge runs DEGRADED, serving from memory and Redis), Kafka
 * from the environment or absent (events dropped and counted, their encoding still paid).
 *
 * <p>Usage: {@code ./cdn bench PlayerTokenBench [--requests 20000] [--rounds 5] [--bytes 163840]}.
 */
public final class PlayerTokenBench {
  /** Figures of one run: p50 per round, ms, with and without the check. */
  public record Figures(double[] p50OnMs, double[] p50OffMs, double checkNanos) {
    public double medianOnMs() {
      return median(p50OnMs);
    }

    public double medianOffMs() {
      return median(p50OffMs);
    }
  }

  private PlayerTokenBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = HotTierBench.options(args);
    int requests = Integer.parseInt(opts.getOrDefault("requests", "20000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
    int bytes = Integer.parseInt(opts.getOrDefault("bytes", "163840"));
    Figures f = run(requests, rounds, bytes, System.getenv());
    System.out.printf(Locale.ROOT, "segment %d bytes from the edge's near cache, %d sequential requests per round"
        + " on one connection, %d rounds (alternating)%n", bytes, requests, rounds);
    for (int r = 0; r < rounds; r++) {
      System.out.printf(Locale.ROOT, "  round %d: p50 with token check %.4f ms, without %.4f ms%n", r + 1,
          f.p50OnMs()[r], f.p50OffMs()[r]);
    }
    System.out.printf(Locale.ROOT, "p50 with check %.4f ms, without %.4f ms: the check adds %.4f ms (median rounds)%n",
        f.medianOnMs(), f.medianOffMs(), f.medianOnMs() - f.medianOffMs());
    System.out.printf(Locale.ROOT, "the check alone (HMAC-SHA256, expiry, ACL), in process: %.0f ns%n", f.checkNanos());
    System.out.println("target: the check adds <= 0.1 ms to the p50");
  }

  /**
   * Runs the benchmark.
   *
   * @param environment edge environment (Redis, Kafka); ports, origin, ids and PostgreSQL are set here
   */
  public static Figures run(int requests, int rounds, int bytes, Map<String, String> environment) throws Exception {
    byte[] segment = new byte[bytes];
    new Random(42).nextBytes(segment);
    String sha = SegmentService.sha256(Buffer.buffer(segment));
    String secret = TrustSettings.newSecret();
    PlayerTokens tokens = PlayerTokens.of(secret);
    String run = Long.toHexString(System.nanoTime());
    Vertx vertx = Vertx.vertx();
    HttpServer origin = null;
    try {
      origin = HotTierBench.standInOrigin(vertx, segment, sha);
      Map<String, String> env = nearCacheEdge(environment, origin.actualPort());
      Map<String, String> on = new HashMap<>(env);
      on.put("EDGE_ID", "bench-token-on");
      on.put("EDGE_REDIS_KEY_PREFIX", "cdn:bench:token:" + run + ":on:");
      on.put(PlayerTokens.SECRET, secret);
      Map<String, String> off = new HashMap<>(env);
      off.put("EDGE_ID", "bench-token-off");
      off.put("EDGE_REDIS_KEY_PREFIX", "cdn:bench:token:" + run + ":off:");
      String path = CdnPaths.segment(HotTierBench.SEGMENT);
      String token = tokens.sign(CdnPaths.songAcl("bench"), Duration.ofHours(2));
      try (EdgeServer withCheck = EdgeServer.start(EdgeConfig.from(new Env(on)));
          EdgeServer without = EdgeServer.start(EdgeConfig.from(new Env(off)));
          Client a = new Client(withCheck.port(), path + "?" + PlayerTokens.PARAM + "=" + token);
          Client b = new Client(without.port(), path)) {
        // the refusal first: the check really runs on this edge
        try (Client unsigned = new Client(withCheck.port(), path)) {
          int status = unsigned.get(bytes);
          if (status != 401) {
            throw new IllegalStateException("the edge with PLAYER_TOKEN_SECRET answered " + status + " without a token");
          }
        }
        for (Client c : List.of(a, b)) {
          c.expect200(bytes); // MISS: from the origin
          c.expect200(bytes);
        }
        for (int i = 0; i < Math.max(2000, requests / 2); i++) { // JIT warm-up, not reported
          a.expect200(bytes);
          b.expect200(bytes);
        }
        double[] pOn = new double[rounds];
        double[] pOff = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          pOn[r] = p50Ms(a, requests, bytes);
          pOff[r] = p50Ms(b, requests, bytes);
        }
        return new Figures(pOn, pOff, checkNanos(tokens, token, path));
      }
    } finally {
      if (origin != null) {
        origin.close().await(5, TimeUnit.SECONDS);
      }
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The environment of a bench edge serving from its near cache: one event loop, the stand-in origin on
   * {@code originPort}, no PostgreSQL (the shared one is left alone), a near-cache TTL of an hour (every
   * measured request a HIT-MEMORY), no player tokens.
   */
  static Map<String, String> nearCacheEdge(Map<String, String> environment, int originPort) {
    Map<String, String> env = new HashMap<>(environment);
    env.put("HTTP_PORT", "0");
    env.put("ORIGIN_URL", "http://127.0.0.1:" + originPort);
    env.put("EDGE_EVENT_LOOPS", "1");
    env.put("PGPORT", "1");
    env.put("EDGE_PG_TIMEOUT_MS", "50");
    env.put("EDGE_NEAR_CACHE_TTL_MS", "3600000");
    env.remove(PlayerTokens.SECRET);
    return env;
  }

  private static double p50Ms(Client c, int requests, int bytes) throws IOException {
    long[] ns = new long[requests];
    for (int i = 0; i < requests; i++) {
      long t0 = System.nanoTime();
      c.expect200(bytes);
      ns[i] = System.nanoTime() - t0;
    }
    Arrays.sort(ns);
    return ns[requests / 2] / 1e6;
  }

  /** The check alone, ns per call (median of 5 runs of 200,000). */
  private static double checkNanos(PlayerTokens tokens, String token, String path) {
    double[] runs = new double[5];
    int ok = 0;
    for (int r = 0; r < runs.length; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 200_000; i++) {
        ok += tokens.check(token, path) == PlayerTokens.Verdict.OK ? 1 : 0;
      }
      runs[r] = (System.nanoTime() - t0) / 200_000.0;
    }
    if (ok != runs.length * 200_000) {
      throw new IllegalStateException("the token was refused in process");
    }
    return median(runs);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  /**
   * HTTP/1.1 GETs on one keep-alive socket, body read by {@code Content-Length}: little of its own to
   * time (also the client of the peer's {@code PeerHotPathBench}).
   */
  public static final class Client implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private final byte[] body = new byte[1 << 20];

    public Client(int port, String pathAndQuery) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      request = ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** One GET that must answer 200 with {@code bytes} bytes of body. */
    public void expect200(int bytes) throws IOException {
      int status = get(bytes);
      if (status != 200) {
        throw new IllegalStateException("server answered " + status);
      }
    }

    /** @return the status; the body is read whole */
    int get(int bytes) throws IOException {
      out.write(request);
      out.flush();
      StringBuilder head = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        head.append((char) c);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          break;
        }
      }
      String h = head.toString();
      int status = Integer.parseInt(h.substring(9, 12));
      int at = h.toLowerCase(Locale.ROOT).indexOf("content-length:");
      int length = at < 0 ? 0 : Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).strip());
      int read = 0;
      while (read < length) {
        int n = in.read(body, 0, Math.min(body.length, length - read));
        if (n < 0) {
          throw new IOException("connection closed after " + read + " of " + length + " bytes");
        }
        read += n;
      }
      if (status == 200 && length != bytes) {
        throw new IllegalStateException("server sent " + length + " bytes, expected " + bytes);
      }
      return status;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
