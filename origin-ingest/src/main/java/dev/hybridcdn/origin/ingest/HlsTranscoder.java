package dev.hybridcdn.origin.ingest;

import dev.hybridcdn.origin.ffmpeg.FFmpegTools;
import dev.hybridcdn.schemas.Ids;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs FFmpeg: ffprobe for the duration (and to reject undecodable input early), then one ffmpeg
 * run producing every rendition of the ladder as AAC-LC in MPEG-TS HLS VOD playlists
 * ({@code <out>/<rendition>/playlist.m3u8}, {@code <out>/<rendition>/seg%05d.ts}) plus FFmpeg's
 * master playlist.
 */
public final class HlsTranscoder {
  /** Lines of FFmpeg's stderr kept for error messages. */
  private static final int ERROR_LINES = 8;
  /** Output sample rate of every rendition, Hz. */
  public static final int SAMPLE_RATE_HZ = 44_100;

  /** Receives progress: {@code doneMs} of {@code totalMs} audio transcoded (all renditions at once). */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = (doneMs, totalMs) -> {};

    void update(long doneMs, long totalMs);
  }

  /** Default bound on one ffmpeg/ffprobe run. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

  private final FFmpegTools tools;
  private final Duration timeout;

  public HlsTranscoder(FFmpegTools tools) {
    this(tools, DEFAULT_TIMEOUT);
  }

  /** @param timeout bound on one ffmpeg or ffprobe run; past it the process is killed and the ingest fails */
  public HlsTranscoder(FFmpegTools tools, Duration timeout) {
    this.tools = tools;
    this.timeout = timeout;
  }

  public FFmpegTools tools() {
    return tools;
  }

  /**
   * Duration of the first audio stream's container, in ms (ffprobe {@code format=duration}).
   *
   * @throws IngestException naming the file and ffprobe's reason when it cannot be read as audio
   */
  public long probeDurationMs(Path file) {
    Result r = run(tools.ffprobe(List.of("-v", "error", "-select_streams", "a:0", "-show_entries",
        "format=duration:stream=codec_type", "-of", "default=noprint_wrappers=1", file.toString())), null);
    if (r.exit != 0) {
      throw new IngestException("cannot ingest " + file + ": ffprobe: " + r.errors(), null);
    }
    String duration = null;
    boolean audio = false;
    for (String line : r.stdout) {
      if (line.startsWith("duration=")) {
        duration = line.substring("duration=".length()).strip();
      } else if (line.equals("codec_type=audio")) {
        audio = true;
      }
    }
    if (!audio) {
      throw new IngestException("cannot ingest " + file + ": ffprobe: no audio stream", null);
    }
    try {
      long ms = Math.round(Double.parseDouble(duration) * 1000.0);
      if (ms <= 0) {
        throw new NumberFormatException();
      }
      return ms;
    } catch (NumberFormatException | NullPointerException e) {
      throw new IngestException("cannot ingest " + file + ": ffprobe reports no duration (" + duration + ")", null);
    }
  }

  /**
   * Transcodes {@code input} into {@code outDir} in one ffmpeg run.
   *
   * @param renditions rendition names; the bitrate of each is its number (kb/s)
   * @param segmentSeconds target segment duration, s
   * @param totalMs duration of the input (for progress), ms
   * @throws IngestException naming the file and FFmpeg's reason when ffmpeg fails
   */
  public void transcode(Path input, Path outDir, List<String> renditions, int segmentSeconds, long totalMs,
      Progress progress) {
    List<String> args = new ArrayList<>(List.of("-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", input.toString()));
    StringBuilder streamMap = new StringBuilder();
    for (int i = 0; i < renditions.size(); i++) {
      args.addAll(List.of("-map", "0:a:0"));
    }
    // 44.1 kHz out: FFmpeg's AAC encoder caps the bit rate at 6144 bits per channel per 1024-sample
    // frame, so at a low source rate (8 kHz: 48 kb/s) every rendition of the ladder would be alike.
    args.addAll(List.of("-c:a", "aac", "-ar", Integer.toString(SAMPLE_RATE_HZ), "-vn", "-sn", "-dn"));
    for (int i = 0; i < renditions.size(); i++) {
      String name = renditions.get(i);
      args.addAll(List.of("-b:a:" + i, Ids.bitrateKbps(name) + "k"));
      streamMap.append(i == 0 ? "" : " ").append("a:").append(i).append(",name:").append(name);
    }
    args.addAll(List.of("-f", "hls", "-hls_time", Integer.toString(segmentSeconds), "-hls_playlist_type", "vod",
        "-hls_segment_type", "mpegts", "-hls_list_size", "0",
        "-hls_segment_filename", outDir.resolve("%v").resolve("seg%05d.ts").toString(),
        "-master_pl_name", "master.m3u8", "-var_stream_map", streamMap.toString(),
        "-progress", "pipe:1", "-stats_period", "0.5",
        outDir.resolve("%v").resolve("playlist.m3u8").toString()));
    Result r = run(tools.ffmpeg(args), line -> {
      // -progress writes key=value lines; out_time_us is the muxed position in microseconds.
      if (line.startsWith("out_time_us=")) {
        try {
          long us = Long.parseLong(line.substring("out_time_us=".length()).strip());
          progress.update(Math.min(totalMs, Math.max(0, us / 1000)), totalMs);
        } catch (NumberFormatException ignored) {
          // "N/A" before the first packet
        }
      } else if (line.equals("progress=end")) {
        progress.update(totalMs, totalMs);
      }
    });
    if (r.exit != 0) {
      throw new IngestException("cannot ingest " + input + ": ffmpeg exited with " + r.exit + ": " + r.errors(), null);
    }
  }

  private record Result(int exit, List<String> stdout, Deque<String> stderr, boolean timedOut, Duration timeout) {
    String errors() {
      if (timedOut) {
        return "did not finish within " + timeout.toMillis() + " ms and was stopped";
      }
      return stderr.isEmpty() ? "(no message)" : String.join(" | ", stderr);
    }
  }

  private Result run(ProcessBuilder pb, java.util.function.Consumer<String> onLine) {
    try {
      Process p = pb.start();
      AtomicBoolean timedOut = new AtomicBoolean();
      Thread watchdog = new Thread(() -> {
        try {
          if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            timedOut.set(true);
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
        }
      }, "ffmpeg-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      Deque<String> stderr = new ArrayDeque<>();
      Thread errReader = new Thread(() -> {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = err.readLine()) != null) {
            synchronized (stderr) {
              if (!line.isBlank()) {
                stderr.addLast(line.strip());
                if (stderr.size() > ERROR_LINES) {
                  stderr.removeFirst();
                }
              }
            }
          }
        } catch (IOException ignored) {
          // process gone
        }
      }, "ffmpeg-stderr");
      errReader.setDaemon(true);
      errReader.start();
      List<String> stdout = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (onLine != null) {
            onLine.accept(line);
          } else if (stdout.size() < 1000) {
            stdout.add(line.strip());
          }
        }
      }
      int exit = p.waitFor();
      errReader.join(TimeUnit.SECONDS.toMillis(10));
      synchronized (stderr) {
        return new Result(exit, stdout, new ArrayDeque<>(stderr), timedOut.get(), timeout);
      }
    } catch (IOException e) {
      throw new IngestException("cannot start " + pb.command().get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IngestException("interrupted while running " + pb.command().get(0), e);
    }
  }
}
