package dev.hybridcdn.ops.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Programs a benchmark runs besides this JVM, found on the PATH (and {@code /usr/sbin}, where Debian puts nginx). */
public final class ExternalTools {
  private ExternalTools() {}

  /** The executable named {@code name}, or null when none is installed. */
  public static Path find(String name) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/sbin");
    dirs.add("/usr/local/sbin");
    for (String d : dirs) {
      if (d.isBlank()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** The names among {@code names} that are not installed, in order. */
  public static List<String> missing(String... names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (find(n) == null) {
        out.add(n);
      }
    }
    return out;
  }

  /** Stops a program: SIGTERM, up to 10 s to exit, then SIGKILL. */
  public static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
