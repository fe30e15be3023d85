package dev.hybridcdn.origin.ffmpeg;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the {@code ffmpeg} and {@code ffprobe} executables are and how to start them.
 *
 * <p>Order of lookup: explicit paths ({@code FFMPEG_PATH}/{@code FFPROBE_PATH}); else both on
 * {@code PATH}; else the executables packaged in the {@code org.bytedeco:ffmpeg} jar for this
 * platform, extracted to JavaCPP's cache ({@code ~/.javacpp/cache}), so a fresh machine needs no
 * install. The packaged executables link libavdevice, which needs {@code libpulse.so.0}; when the
 * machine lacks it, an empty stand-in library from this module's resources goes on
 * {@code LD_LIBRARY_PATH} of the child process (see {@code src/main/native/pulse-stub.c}).
 *
 * @param ffmpeg absolute path of ffmpeg
 * @param ffprobe absolute path of ffprobe
 * @param environment extra environment for both processes (e.g. {@code LD_LIBRARY_PATH})
 * @param source where they came from: {@code config}, {@code PATH} or {@code bytedeco}
 */
public record FFmpegTools(Path ffmpeg, Path ffprobe, Map<String, String> environment, String source) {
  private static final Logger LOG = LoggerFactory.getLogger(FFmpegTools.class);
  private static volatile FFmpegTools located;

  public FFmpegTools {
    environment = Map.copyOf(environment);
  }

  /**
   * Finds both executables (cached per JVM when no override is given).
   *
   * @param ffmpegOverride absolute path of ffmpeg, or null
   * @param ffprobeOverride absolute path of ffprobe, or null
   * @throws IllegalStateException when no working ffmpeg/ffprobe is found, with the reason
   */
  public static FFmpegTools locate(String ffmpegOverride, String ffprobeOverride) {
    if (ffmpegOverride != null || ffprobeOverride != null) {
      Path ffmpeg = ffmpegOverride != null ? Path.of(ffmpegOverride) : onPath("ffmpeg");
      Path ffprobe = ffprobeOverride != null ? Path.of(ffprobeOverride) : onPath("ffprobe");
      if (ffmpeg == null || ffprobe == null) {
        FFmpegTools packaged = bytedeco();
        ffmpeg = ffmpeg != null ? ffmpeg : packaged.ffmpeg();
        ffprobe = ffprobe != null ? ffprobe : packaged.ffprobe();
        return new FFmpegTools(ffmpeg, ffprobe, packaged.environment(), "config");
      }
      return new FFmpegTools(ffmpeg, ffprobe, Map.of(), "config");
    }
    FFmpegTools tools = located;
    if (tools == null) {
      synchronized (FFmpegTools.class) {
        tools = located;
        if (tools == null) {
          Path ffmpeg = onPath("ffmpeg");
          Path ffprobe = onPath("ffprobe");
          tools = ffmpeg != null && ffprobe != null ? new FFmpegTools(ffmpeg, ffprobe, Map.of(), "PATH") : bytedeco();
          LOG.info("using ffmpeg {} and ffprobe {} ({})", tools.ffmpeg(), tools.ffprobe(), tools.source());
          located = tools;
        }
      }
    }
    return tools;
  }

  /** A process builder for ffmpeg with {@code args}, environment set. */
  public ProcessBuilder ffmpeg(List<String> args) {
    return builder(ffmpeg, args);
  }

  /** A process builder for ffprobe with {@code args}, environment set. */
  public ProcessBuilder ffprobe(List<String> args) {
    return builder(ffprobe, args);
  }

  private ProcessBuilder builder(Path exe, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(exe.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(environment);
    return pb;
  }

  private static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath();
      }
    }
    return null;
  }

  private static FFmpegTools bytedeco() {
    String platform = Loader.getPlatform();
    Path ffmpeg;
    Path ffprobe;
    try {
      // Loader.load() also loads the JNI wrappers, which fails when a system library of
      // libavdevice is missing; extracting the platform folder needs none of them.
      File[] dirs = Loader.cacheResources(org.bytedeco.ffmpeg.ffmpeg.class, platform);
      if (dirs == null || dirs.length == 0) {
        throw new IllegalStateException("the org.bytedeco:ffmpeg jar for " + platform + " is not on the class path");
      }
      Path dir = dirs[0].toPath();
      ffmpeg = dir.resolve("ffmpeg");
      ffprobe = dir.resolve("ffprobe");
      for (Path exe : List.of(ffmpeg, ffprobe)) {
        if (!Files.isRegularFile(exe)) {
          throw new IllegalStateException("no " + exe.getFileName() + " in the org.bytedeco:ffmpeg jar (" + dir + ")");
        }
        if (!Files.isExecutable(exe) && !exe.toFile().setExecutable(true)) {
          throw new IllegalStateException("cannot make " + exe + " executable");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not extract ffmpeg from the org.bytedeco:ffmpeg jar", e);
    }
    String libDir = ffmpeg.getParent().toString();
    Map<String, String> env = new HashMap<>();
    env.put("LD_LIBRARY_PATH", join(libDir, System.getenv("LD_LIBRARY_PATH")));
    String failure = tryVersion(ffmpeg, env);
    if (failure != null && failure.contains("libpulse.so.0")) {
      Path stubDir = pulseStub(platform);
      env.put("LD_LIBRARY_PATH", join(libDir + File.pathSeparator + stubDir, System.getenv("LD_LIBRARY_PATH")));
      LOG.info("libpulse.so.0 is not installed; ffmpeg runs with the empty stand-in in {}", stubDir);
      failure = tryVersion(ffmpeg, env);
    }
    if (failure != null) {
      throw new IllegalStateException("the ffmpeg from org.bytedeco:ffmpeg (" + ffmpeg + ") does not start: " + failure);
    }
    return new FFmpegTools(ffmpeg, ffprobe, env, "bytedeco");
  }

  private static String join(String first, String rest) {
    return rest == null || rest.isBlank() ? first : first + File.pathSeparator + rest;
  }

  /** Null when {@code ffmpeg -version} exits 0, else its output. */
  private static String tryVersion(Path ffmpeg, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(ffmpeg.toString(), "-hide_banner", "-version").redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "ffmpeg -version did not finish in 30 s";
      }
      return p.exitValue() == 0 ? null : new String(out, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static Path pulseStub(String platform) {
    String resource = platform + "/libpulse.so.0";
    try (InputStream in = FFmpegTools.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("libpulse.so.0 is missing and this module has no stand-in for " + platform
            + "; install the PulseAudio client library (Debian: libpulse0) or put ffmpeg on PATH");
      }
      Path dir = Files.createDirectories(Path.of(Loader.getCacheDir().getPath(), "hybridcdn-pulse-stub", platform));
      Path target = dir.resolve("libpulse.so.0");
      Path tmp = Files.createTempFile(dir, "libpulse", ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the libpulse stand-in", e);
    }
  }
}
