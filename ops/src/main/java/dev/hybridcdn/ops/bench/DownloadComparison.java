package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.share.FileDownload;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.origin.ingest.Ingester;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@code download} comparison of {@link Compare}: one random file to a newcomer, aria2 over
 * BitTorrent (4 seeders -> 1 leecher; and 1 seeder -> 4 leechers, announced to opentracker) vs
 * {@code cdn get} through a fresh peer fetching from the peers that hold it (4 holders -> 1 peer; and
 * 1 holder -> 4 peers at once). Its figures are wall times, from the start to the whole file verified
 * (the last copy of 4 in the 1 -> 4 shape): {@link Aria2Swarm#leech}'s for aria2, {@link FileDownload}'s
 * downloads timed here for {@code cdn get}.
 */
final class DownloadComparison {
  private final CompareRun run;

  DownloadComparison(CompareRun run) {
    this.run = run;
  }

  /** The file, its two contents (4 holders, 1 holder) and the matching torrents. */
  record DownloadSide(Path file, String sha256, Manifest fourManifest, Manifest oneManifest,
      Aria2Swarm.Torrent fourTorrent, Aria2Swarm.Torrent oneTorrent, List<String> documents) {}

  DownloadSide setup(LocalStack stack, Delivery delivery, String tracker, String announceUrl) throws Exception {
    Path dir = run.options.workDir().resolve("download");
    Files.createDirectories(dir);
    Path file = dir.resolve("compare.bin");
    byte[] data = new byte[Math.toIntExact(run.options.fileBytes())];
    new Random(14).nextBytes(data);
    Files.write(file, data);
    data = null;
    String sha = FileDownload.sha256(file);
    // One file, two contents: pieces held by 4 peers, and by 1 peer (the 1 -> 4 shape).
    try (Ingester ingester = Ingester.start(stack.originConfig())) {
      ingester.share(file, "compare-four");
      ingester.share(file, "compare-one");
    }
    List<String> documents = new ArrayList<>(delivery.edgeUrls());
    documents.add(stack.originUrl());
    FileDownload download = new FileDownload();
    Manifest four = download.manifest(documents, "compare-four");
    Manifest one = download.manifest(documents, "compare-one");
    List<PeerRef> peers = delivery.peers();
    for (int i = 0; i < Compare.HOLDERS; i++) {
      getFile(download, four, peers.get(i).baseUrl(), dir.resolve("holder.bin"), sha);
    }
    getFile(download, one, peers.get(0).baseUrl(), dir.resolve("holder.bin"), sha);
    Files.delete(dir.resolve("holder.bin"));
    for (Manifest.Segment p : four.renditions().get(0).segments()) {
      CompareRun.awaitHolders(tracker, p.segmentId(), Compare.HOLDERS);
    }
    for (Manifest.Segment p : one.renditions().get(0).segments()) {
      CompareRun.awaitHolders(tracker, p.segmentId(), 1);
    }
    run.progress.accept(String.format(java.util.Locale.ROOT, "%.1f MiB file held by %d peers (compare-four) and by 1"
        + " (compare-one)", run.options.fileBytes() / 1048576.0, Compare.HOLDERS));
    // two torrents of the same file: mktorrent's source string makes two info hashes, two swarms
    Aria2Swarm.Torrent fourTorrent = Aria2Swarm.torrent(file, dir.resolve("four.torrent"), announceUrl,
        "compare-four", 20);
    Aria2Swarm.Torrent oneTorrent = Aria2Swarm.torrent(file, dir.resolve("one.torrent"), announceUrl,
        "compare-one", 20);
    return new DownloadSide(file, sha, four, one, fourTorrent, oneTorrent, documents);
  }

  /** Starts the aria2 swarms: 4 seeders of one torrent, 1 of the other, announced to opentracker. */
  void seedSwarms(DownloadSide d, Aria2Swarm swarm, OpenTracker openTracker) throws Exception {
    Path dir = run.options.workDir().resolve("download");
    Aria2Swarm.Torrent four = d.fourTorrent();
    Aria2Swarm.Torrent one = d.oneTorrent();
    for (int i = 1; i <= Compare.HOLDERS; i++) {
      swarm.seed(four, dir.resolve("seed-four-" + i));
    }
    swarm.seed(one, dir.resolve("seed-one-1"));
    openTracker.awaitSeeders(four.infoHash(), Compare.HOLDERS, Duration.ofSeconds(120));
    openTracker.awaitSeeders(one.infoHash(), 1, Duration.ofSeconds(120));
    run.setup.put("download", String.format(java.util.Locale.ROOT, "%d-byte random file; %s: 1 MiB pieces, "
        + "DHT, LPD and PEX off; cdn get: 4 MiB pieces in 64 KiB chunks from the holders, through a fresh peer;"
        + " wall time from start to the whole file verified (last of 4 for the 1 -> 4 shape)",
        run.options.fileBytes(), version("aria2c")));
    run.progress.accept("aria2 seeders announced: " + Compare.HOLDERS + " of " + four.infoHash() + ", 1 of "
        + one.infoHash());
  }

  List<CompareRow> round(int round, Delivery delivery, String tracker, DownloadSide d) throws Exception {
    Path dir = run.options.workDir().resolve("download").resolve("round-" + round);
    Aria2Swarm swarm = new Aria2Swarm();
    long aria41 = swarm.leech(d.fourTorrent(), List.of(dir.resolve("a41-1")), 600);
    long get41 = getThroughFreshPeers(delivery, d, d.fourManifest(), 1, dir.resolve("g41"));
    CompareRun.awaitAllHolders(tracker, d.fourManifest(), Compare.HOLDERS);
    Compare.deleteTree(dir);
    List<Path> leechers = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      leechers.add(dir.resolve("a14-" + i));
    }
    long aria14 = swarm.leech(d.oneTorrent(), leechers, 600);
    long get14 = getThroughFreshPeers(delivery, d, d.oneManifest(), 4, dir.resolve("g14"));
    CompareRun.awaitAllHolders(tracker, d.oneManifest(), 1);
    Compare.deleteTree(dir);
    return List.of(
        new CompareRow("download", round, "aria2, 4 seeders -> 1 leecher", true, aria41 / 1000.0, "s", null, 1.0,
            null, null, null),
        new CompareRow("download", round, "cdn get, 4 holders -> 1 peer", false, get41 / 1000.0, "s", null,
            (double) aria41 / get41, null, null, null),
        new CompareRow("download", round, "aria2, 1 seeder -> 4 leechers", true, aria14 / 1000.0, "s", null, 1.0,
            null, null, null),
        new CompareRow("download", round, "cdn get, 1 holder -> 4 peers", false, get14 / 1000.0, "s", null,
            (double) aria14 / get14, null, null, null));
  }

  /**
   * Starts {@code n} new peers and downloads {@code m} through each at once, as {@code cdn get} does
   * (manifest from an edge, pieces through the peer, every piece and the file checked); then the peers
   * leave cleanly, so the holders are as before.
   *
   * @return wall time until the last copy is verified, ms
   */
  private long getThroughFreshPeers(Delivery delivery, DownloadSide d, Manifest m, int n, Path dir)
      throws Exception {
    Files.createDirectories(dir);
    List<PeerRef> fresh = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fresh.add(delivery.join());
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        PeerRef p = fresh.get(i);
        Path out = dir.resolve("copy-" + i + ".bin");
        jobs.add(pool.submit(() -> {
          FileDownload download = new FileDownload();
          getFile(download, download.manifest(d.documents(), m.songId()), p.baseUrl(), out, d.sha256());
          return null;
        }));
      }
      for (Future<?> j : jobs) {
        j.get();
      }
      return (System.nanoTime() - t0) / 1_000_000;
    } finally {
      pool.shutdownNow();
      for (PeerRef p : fresh) {
        delivery.leave(p.peerId(), true);
      }
    }
  }

  private static FileDownload.Result getFile(FileDownload download, Manifest m, String peerUrl, Path out,
      String sha) throws Exception {
    FileDownload.Result r = download.download(m, peerUrl, out, null);
    if (!r.sha256().equals(sha)) {
      throw new IllegalStateException("the copy through " + peerUrl + " has SHA-256 " + r.sha256() + ", not " + sha);
    }
    return r;
  }

  private static String version(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse(tool);
      p.waitFor();
      return first.strip();
    } catch (IOException | InterruptedException e) {
      return tool;
    }
  }
}
