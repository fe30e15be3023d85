package dev.hybridcdn.ops.bench;

import dev.hybridcdn.ops.StackEnv;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * opentracker, the BitTorrent tracker of the comparisons: HTTP announces and scrapes on a free
 * loopback port. Debian builds it with a whitelist, so the info hashes it will track are given at
 * start (written to {@code dir/whitelist}, one hex hash a line); it chroots into {@code dir}. It closes
 * the connection after every answer (no keep-alive), so wrk reconnects for each announce.
 */
public final class OpenTracker implements AutoCloseable {
  private static final Pattern COMPLETE = Pattern.compile("8:completei(\\d+)e");
  /** Swarms of the announce load ({@link #announceLoad}). */
  public static final int LOAD_SWARMS = 16;
  private final Process process;
  private final int port;
  private final HttpClient http = StackEnv.clientBuilder(Duration.ofSeconds(5)).build();

  private OpenTracker(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts opentracker for {@code infoHashes}.
   *
   * @param port its HTTP (and UDP) port on 127.0.0.1
   * @param infoHashes 40-hex-digit SHA-1 info hashes it may track
   * @throws IllegalStateException when it does not answer within 10 s
   */
  public static OpenTracker start(Path dir, int port, List<String> infoHashes)
      throws IOException, InterruptedException {
    return start(dir, port, infoHashes, UnaryOperator.identity());
  }

  /**
   * The same, started through {@code launcher} (such as {@code taskset -c 1 ...}).
   *
   * @param launcher rewrites opentracker's command line
   */
  public static OpenTracker start(Path dir, int port, List<String> infoHashes, UnaryOperator<List<String>> launcher)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("whitelist"), String.join("\n", infoHashes) + "\n", StandardCharsets.US_ASCII);
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    dir.resolve("whitelist").toFile().setReadable(true, false);
    Path log = dir.resolve("opentracker.log");
    Path exe = ExternalTools.find("opentracker");
    // -w is read after the chroot into -d, hence the relative name
    Process p = new ProcessBuilder(launcher.apply(List.of(exe == null ? "opentracker" : exe.toString(), "-i",
        "127.0.0.1", "-p", Integer.toString(port), "-P", Integer.toString(port), "-d", dir.toAbsolutePath().toString(),
        "-w", "whitelist"))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!StaticNginx.answers(port)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroy();
        throw new IllegalStateException("opentracker did not start: " + Files.readString(log));
      }
      Thread.sleep(50);
    }
    return new OpenTracker(p, port);
  }

  /**
   * A loopback port free for TCP and UDP, held (both bound) until {@link #close}: opentracker listens on
   * both, and its port must be known (the torrents name it) well before it starts.
   */
  public record PortHold(int port, java.net.ServerSocket tcp, java.net.DatagramSocket udp) implements AutoCloseable {
    /**
     * Binds a free TCP port and the same UDP port on 127.0.0.1 (another TCP port when that UDP one is taken).
     *
     * @throws IOException when no such port is found in 20 tries
     */
    public static PortHold take() throws IOException {
      java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
      for (int i = 0; i < 20; i++) {
        java.net.ServerSocket tcp = new java.net.ServerSocket(0, 50, loopback);
        try {
          return new PortHold(tcp.getLocalPort(), tcp, new java.net.DatagramSocket(tcp.getLocalPort(), loopback));
        } catch (java.net.SocketException e) {
          tcp.close(); // that UDP port is in use: another one
        }
      }
      throw new IOException("no loopback port free for both TCP and UDP in 20 tries");
    }

    /** Frees both, for opentracker to bind. */
    @Override
    public void close() {
      udp.close();
      try {
        tcp.close();
      } catch (IOException e) {
        // closing a listening socket that was never used
      }
    }
  }

  /** The announce URL of an opentracker on {@code port}, as torrents name it. */
  public static String announceUrl(int port) {
    return "http://127.0.0.1:" + port + "/announce";
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * An announce as a client sends it ({@code event} none: a regular re-announce of a complete peer).
   *
   * @param infoHash 40 hex digits
   * @param peerId 20 characters, letters and digits
   * @param numwant peers asked for (our tracker's {@code limit})
   */
  public static String announcePath(String infoHash, String peerId, int peerPort, int numwant) {
    return "/announce?info_hash=" + percent(infoHash) + "&peer_id=" + peerId + "&port=" + peerPort
        + "&uploaded=0&downloaded=0&left=0&compact=1&numwant=" + numwant;
  }

  /**
   * The info hashes of the announce load, {@value #LOAD_SWARMS} swarms (SHA-1 of {@code compare-<i>}): opentracker
   * must be started with them ({@link #start}'s whitelist).
   */
  public static List<String> loadHashes() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < LOAD_SWARMS; i++) {
      out.add(HexFormat.of().formatHex(sha1(("compare-" + i).getBytes(StandardCharsets.US_ASCII))));
    }
    return out;
  }

  /**
   * The announce load of the tracker comparisons ({@code cdn bench compare}, {@code TrackerBench}): {@code count}
   * announces, each of a random one of {@link #loadHashes}, by a random peer id and port, asking {@code numwant}
   * peers; drawn from {@code random}, so a seed gives the same load.
   *
   * @return request paths ({@link #announcePath}), for a wrk script ({@link Wrk#pathsScript})
   */
  public static List<String> announceLoad(int count, int numwant, Random random) {
    List<String> hashes = loadHashes();
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(announcePath(hashes.get(random.nextInt(hashes.size())),
          String.format("-CP0001-%012d", random.nextInt(1_000_000)), 10000 + random.nextInt(50000), numwant));
    }
    return out;
  }

  private static byte[] sha1(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  /** Seeders (complete peers) opentracker knows for {@code infoHash}, from a scrape. */
  public int seeders(String infoHash) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/scrape?info_hash="
        + percent(infoHash))).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
    Matcher m = COMPLETE.matcher(new String(r.body(), StandardCharsets.ISO_8859_1));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** Waits until {@code n} seeders announced {@code infoHash}, polling its scrape for up to {@code timeout}. */
  public void awaitSeeders(String infoHash, int n, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      seen = seeders(infoHash);
      if (seen >= n) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("opentracker knows " + seen + " seeders of " + infoHash + " after " + timeout
        + ", expected " + n);
  }

  /** {@code %xx} for every byte of a hex string (an info hash on the wire). */
  static String percent(String hex) {
    byte[] b = HexFormat.of().parseHex(hex);
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append('%').append(HexFormat.of().toHexDigits(x));
    }
    return s.toString();
  }

  @Override
  public void close() {
    ExternalTools.stop(process);
  }
}
