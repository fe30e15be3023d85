package dev.hybridcdn.ops.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP load generator of every side-by-side benchmark: {@code wrk} (a C program, so the JVM
 * under test does not also run the load), with {@code --latency} for the percentiles, its output
 * read back into figures. Needs {@code wrk} on the PATH ({@link ExternalTools}).
 */
public final class Wrk {
  private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)\\b");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  /**
   * One wrk run.
   *
   * @param requestsPerSecond wrk's {@code Requests/sec}
   * @param p99Ms 99th percentile latency, ms
   * @param readErrors connections the server closed after an answer ({@code Socket errors: read}):
   *     wrk reconnects, so a server without keep-alive (opentracker) shows one per request
   * @param connectErrors connections refused ({@code Socket errors: connect})
   * @param timeouts requests without an answer within wrk's 2 s ({@code Socket errors: timeout})
   * @param raw wrk's whole output
   */
  public record Result(double requestsPerSecond, double p99Ms, long readErrors, long connectErrors, long timeouts,
      String raw) {
    /** Refused connections and timeouts in words ({@code "3 timeouts"}), or null when there were none. */
    public String trouble() {
      List<String> parts = new ArrayList<>();
      if (connectErrors > 0) {
        parts.add(connectErrors + " connections refused");
      }
      if (timeouts > 0) {
        parts.add(timeouts + " timeouts");
      }
      return parts.isEmpty() ? null : "wrk: " + String.join(", ", parts);
    }
  }

  private Wrk() {}

  /**
   * Runs {@code wrk -t<threads> -c<connections> -d<seconds>s --latency [-H header] [-s script] url}.
   *
   * @param header one request header ({@code Name: value}), or null
   * @param script a wrk Lua script ({@link #pathsScript}), or null
   * @throws IllegalStateException when wrk fails, its output cannot be read, or the server answered
   *     any non-2xx/3xx status (refused connections and timeouts are counted in the result instead:
   *     on a loaded machine they are the load's, and {@link Result#trouble} says so beside the figure)
   */
  public static Result run(String url, int threads, int connections, int seconds, String header, Path script)
      throws IOException, InterruptedException {
    return run(url, threads, connections, seconds, header, script, UnaryOperator.identity());
  }

  /**
   * The same, started through {@code launcher} (such as {@code taskset -c 0 ...}: wrk on the load core).
   *
   * @param launcher rewrites wrk's command line
   */
  public static Result run(String url, int threads, int connections, int seconds, String header, Path script,
      UnaryOperator<List<String>> launcher) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
        "--latency"));
    if (header != null) {
      cmd.addAll(List.of("-H", header));
    }
    if (script != null) {
      cmd.addAll(List.of("-s", script.toString()));
    }
    cmd.add(url);
    Process p = new ProcessBuilder(launcher.apply(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("wrk failed on " + url + ": " + out);
    }
    return parse(url, out);
  }

  /**
   * Reads wrk's output ({@code --latency}).
   *
   * @throws IllegalStateException when a figure is missing, or the server answered a non-2xx/3xx status
   */
  public static Result parse(String what, String out) {
    Matcher rps = REQUESTS_PER_SECOND.matcher(out);
    Matcher p99 = P99.matcher(out);
    if (!rps.find() || !p99.find()) {
      throw new IllegalStateException("cannot read wrk's output for " + what + ": " + out);
    }
    Matcher non2xx = NON_2XX.matcher(out);
    if (non2xx.find()) {
      throw new IllegalStateException(what + " answered " + non2xx.group(1) + " errors during the run: " + out);
    }
    long[] socketErrors = new long[4]; // connect, read, write, timeout
    Matcher socket = SOCKET_ERRORS.matcher(out);
    if (socket.find()) {
      for (int i = 0; i < 4; i++) {
        socketErrors[i] = Long.parseLong(socket.group(i + 1));
      }
    }
    double v = Double.parseDouble(p99.group(1));
    double ms = switch (p99.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
    return new Result(Double.parseDouble(rps.group(1)), ms, socketErrors[1], socketErrors[0], socketErrors[3], out);
  }

  /**
   * Writes a wrk Lua script that asks for one of {@code paths} at random per request (seeded, so
   * every run asks the same sequence).
   *
   * @param paths request paths with their query strings, already URL-encoded; none may hold {@code "}
   *     or a backslash
   * @return the script, in {@code dir}
   */
  public static Path pathsScript(Path dir, String name, List<String> paths) throws IOException {
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no paths for " + name);
    }
    StringBuilder lua = new StringBuilder("local paths = {\n");
    for (String p : paths) {
      if (p.contains("\"") || p.contains("\\")) {
        throw new IllegalArgumentException("a path for wrk may not hold a quote or backslash: " + p);
      }
      lua.append("  \"").append(p).append("\",\n");
    }
    lua.append("}\nmath.randomseed(7)\nrequest = function()\n")
        .append("  return wrk.format(\"GET\", paths[math.random(#paths)])\nend\n");
    Path script = dir.resolve(name + ".lua");
    Files.writeString(script, lua, StandardCharsets.UTF_8);
    return script;
  }
}
