package dev.hybridcdn.ops.share;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.ops.token.TokenCommand;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads shared content through a peer: the manifest from an edge (or the origin), then every
 * piece as {@code GET <peer>/segments/<pieceId>} ({@value #PARALLEL} at a time; the peer fetches each
 * from several holders in chunks, or from its edge), each checked against its SHA-256 and written at
 * its offset, with a progress line. Used by {@code cdn get}.
 */
public final class FileDownload {
  /** Pieces asked of the peer at once. */
  static final int PARALLEL = 3;
  private static final int ATTEMPTS = 3;

  /**
   * What a download did.
   *
   * @param bytes file size
   * @param pieces pieces fetched
   * @param ms wall time, ms
   * @param sha256 SHA-256 of the file written
   * @param sources {@code X-CDN-Source} per piece, counted
   */
  public record Result(long bytes, int pieces, long ms, String sha256, java.util.Map<String, Integer> sources) {}

  private final HttpClient http = dev.hybridcdn.ops.StackEnv.httpClient(Duration.ofSeconds(5));
  private final PlayerTokens playerTokens;

  /** A download from a stack whose player routes are open. */
  public FileDownload() {
    this(null);
  }

  /** @param playerTokens signs the piece requests when the stack wants player tokens (issue 16); null: open */
  public FileDownload(PlayerTokens playerTokens) {
    this.playerTokens = playerTokens;
  }

  /** The manifest of {@code id} from the first of {@code documentUrls} that answers. */
  public Manifest manifest(List<String> documentUrls, String id) throws IOException, InterruptedException {
    IOException last = null;
    for (String base : documentUrls) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/songs/" + id))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
          throw new IllegalArgumentException("no content " + id + " at " + base);
        }
        if (r.statusCode() == 200) {
          return ManifestJson.parse(r.body());
        }
        last = new IOException(base + " answered " + r.statusCode());
      } catch (IOException e) {
        last = e;
      }
    }
    throw last == null ? new IOException("no document URL") : last;
  }

  /**
   * Downloads every piece of {@code m} through {@code peerUrl} into {@code out}.
   *
   * @param progress where the progress line goes (carriage returns), or null
   * @throws IOException when a piece fails {@value #ATTEMPTS} times or its bytes do not match
   */
  public Result download(Manifest m, String peerUrl, Path out, PrintStream progress)
      throws IOException, InterruptedException {
    List<Manifest.Segment> pieces = m.renditions().get(0).segments();
    long total = pieces.stream().mapToLong(Manifest.Segment::bytes).sum();
    long t0 = System.nanoTime();
    AtomicLong done = new AtomicLong();
    AtomicInteger piecesDone = new AtomicInteger();
    java.util.Map<String, Integer> sources = new java.util.concurrent.ConcurrentSkipListMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      List<Future<Void>> jobs = new java.util.ArrayList<>();
      long offset = 0;
      for (Manifest.Segment p : pieces) {
        long at = offset;
        offset += p.bytes();
        jobs.add(pool.submit(() -> {
          byte[] b = piece(peerUrl, p, sources);
          ch.write(ByteBuffer.wrap(b), at);
          done.addAndGet(b.length);
          piecesDone.incrementAndGet();
          draw(progress, done.get(), total, piecesDone.get(), pieces.size(), t0);
          return null;
        }));
      }
      for (Future<Void> j : jobs) {
        try {
          j.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (progress != null) {
      progress.println();
    }
    return new Result(total, pieces.size(), (System.nanoTime() - t0) / 1_000_000, sha256(out), sources);
  }

  private byte[] piece(String peerUrl, Manifest.Segment p, java.util.Map<String, Integer> sources)
      throws IOException, InterruptedException {
    String why = "";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(peerUrl + CdnPaths.segment(p.segmentId())
          + TokenCommand.query(playerTokens, p.segmentId().substring(0, p.segmentId().indexOf('/')))))
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 200 && sha256(r.body()).equals(p.sha256())) {
        sources.merge(r.headers().firstValue("X-CDN-Source").orElse("?"), 1, Integer::sum);
        return r.body();
      }
      why = r.statusCode() == 200 ? "wrong bytes" : "status " + r.statusCode();
    }
    throw new IOException("piece " + p.index() + " (" + p.segmentId() + ") failed " + ATTEMPTS + " times: " + why);
  }

  private static void draw(PrintStream out, long done, long total, int pieces, int of, long t0) {
    if (out == null) {
      return;
    }
    int width = 30;
    int filled = (int) (width * done / Math.max(1, total));
    double s = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
    synchronized (out) {
      out.printf(Locale.ROOT, "\r[%s%s] %3d%% %d/%d pieces %.1f MiB %.1f MiB/s", "#".repeat(filled),
          ".".repeat(width - filled), 100 * done / Math.max(1, total), pieces, of, done / 1048576.0,
          done / 1048576.0 / s);
      out.flush();
    }
  }

  /** Lower-case hex SHA-256 of a file. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
