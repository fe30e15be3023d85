package dev.hybridcdn.ops.bench;

import dev.hybridcdn.kafka.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BitTorrent swarm of {@code aria2c} processes on loopback, the reference for multi-source
 * downloads: a torrent made by {@code mktorrent}, seeders that hold the file (checked, then seeding
 * without limit), leechers started together, timed until the last one has the whole file and exits.
 * DHT, local peer discovery and peer exchange are off, so peers come from the tracker only.
 */
public final class Aria2Swarm implements AutoCloseable {
  private static final Pattern INFO_HASH = Pattern.compile("Info Hash: ([0-9a-f]{40})");
  /** aria2 options every process gets: the tracker as the only source of peers, quiet output. */
  private static final List<String> COMMON = List.of("--enable-dht=false", "--enable-dht6=false",
      "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--summary-interval=0", "--console-log-level=warn",
      "--file-allocation=none", "--allow-overwrite=true", "--auto-file-renaming=false", "--bt-stop-timeout=0",
      "--max-overall-upload-limit=0", "--bt-max-peers=55");

  /**
   * A torrent of one file.
   *
   * @param infoHash 40 hex digits
   */
  public record Torrent(Path file, Path torrentFile, String infoHash) {}

  private final List<Process> seeders = new ArrayList<>();

  /**
   * Makes a torrent of {@code file} with {@code mktorrent}.
   *
   * @param source mktorrent's {@code -s}: part of the info hash, so one file can make several swarms
   * @param pieceLog2 piece size as a power of two (20: 1 MiB)
   */
  public static Torrent torrent(Path file, Path out, String announceUrl, String source, int pieceLog2)
      throws IOException, InterruptedException {
    run(List.of("mktorrent", "-a", announceUrl, "-s", source, "-l", Integer.toString(pieceLog2), "-t", "1", "-o",
        out.toString(), file.toString()), 120);
    String show = run(List.of("aria2c", "-S", out.toString()), 30);
    Matcher m = INFO_HASH.matcher(show);
    if (!m.find()) {
      throw new IllegalStateException("aria2c -S printed no info hash: " + show);
    }
    return new Torrent(file, out, m.group(1));
  }

  /**
   * Starts a seeder in {@code dir}: the file is copied there, checked against the piece hashes, then
   * seeded until {@link #close}.
   */
  public void seed(Torrent t, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.copy(t.file(), dir.resolve(t.file().getFileName()));
    List<String> cmd = new ArrayList<>(List.of("aria2c", "--dir=" + dir, "--seed-ratio=0.0", "--check-integrity=true",
        "--listen-port=" + LoopbackPorts.free()));
    cmd.addAll(COMMON);
    cmd.add(t.torrentFile().toString());
    seeders.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("aria2.log").toFile())
        .start());
  }

  /**
   * Starts one leecher per directory at once and waits for all.
   *
   * @return wall time from the first start to the last exit, ms
   * @throws IllegalStateException when one fails, takes longer than {@code timeoutSeconds}, or its file
   *     differs from the torrent's (size)
   */
  public long leech(Torrent t, List<Path> dirs, int timeoutSeconds) throws IOException, InterruptedException {
    List<Process> leechers = new ArrayList<>();
    long t0 = System.nanoTime();
    try {
      for (Path dir : dirs) {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("aria2c", "--dir=" + dir, "--seed-time=0",
            "--listen-port=" + LoopbackPorts.free()));
        cmd.addAll(COMMON);
        cmd.add(t.torrentFile().toString());
        leechers.add(new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("aria2.log").toFile()).start());
      }
      long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      for (int i = 0; i < leechers.size(); i++) {
        Process p = leechers.get(i);
        if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("aria2c leecher " + (i + 1) + " failed or took over " + timeoutSeconds
              + " s: " + Files.readString(dirs.get(i).resolve("aria2.log")));
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      for (Path dir : dirs) {
        Path got = dir.resolve(t.file().getFileName());
        if (Files.size(got) != Files.size(t.file())) {
          throw new IllegalStateException("aria2c left " + Files.size(got) + " bytes in " + got);
        }
      }
      return ms;
    } finally {
      leechers.forEach(Process::destroyForcibly);
    }
  }

  /** Stops the seeders. */
  @Override
  public void close() {
    seeders.forEach(ExternalTools::stop);
  }

  private static String run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }
}
