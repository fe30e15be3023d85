package dev.hybridcdn.ops;

import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the {@code cdn} commands find a running stack: the process environment first, then
 * {@code .cdn/stack.env} under the repository root, which {@code cdn up} writes (one
 * {@code NAME=value} per line: {@code KAFKA_BOOTSTRAP_SERVERS}, {@code PG*}, {@code ORIGIN_URL},
 * {@code TRACKER_URL}, ...) and deletes when it stops.
 */
public final class StackEnv {
  private StackEnv() {}

  /** The repository root: {@code CDN_HOME} (set by the {@code cdn} script), else the working directory. */
  public static Path home() {
    String h = System.getenv("CDN_HOME");
    return Path.of(h == null || h.isBlank() ? "." : h).toAbsolutePath().normalize();
  }

  /** {@code <home>/media}: the shipped tracks. */
  public static Path media() {
    return home().resolve("media");
  }

  /** {@code <home>/.cdn/stack.env}. */
  public static Path file() {
    return home().resolve(".cdn").resolve("stack.env");
  }

  /**
   * How the commands' HTTP clients trust the stack: {@code TLS_CA_FILE} (written by {@code cdn up
   * --tls}) besides the JVM's default trust.
   *
   * @throws dev.hybridcdn.servicekit.config.ConfigException when {@code TLS_CA_FILE} names no readable PEM file
   */
  public static TlsSettings clientTls() {
    Env env = new Env(load());
    return new TlsSettings(null, null, TlsSettings.from(new Env(Map.of(TlsSettings.CA_FILE,
        env.string(TlsSettings.CA_FILE, "")))).caFile());
  }

  /** A {@code java.net.http} client trusting {@link #clientTls()} ({@link #clientBuilder}'s HTTP/1.1). */
  public static HttpClient httpClient(Duration connectTimeout) {
    return clientBuilder(connectTimeout).sslContext(clientTls().sslContext()).build();
  }

  /**
   * The one way this module builds a {@code java.net.http} client for the stack's servers: HTTP/1.1, as wrk,
   * ffmpeg, VLC and hls.js over plain HTTP speak. The JDK's default (HTTP/2) upgrades every new plain-HTTP
   * connection with {@code Upgrade: h2c}; when the server answers the upgrade request at once with a whole
   * segment after the {@code 101} (a peer's cached one: 64 KB, the stream's first window), the JDK's client
   * (17 and 25) fails 1-7% of them with "protocol error: Frame type(..) length(..) exceeds MAX_FRAME_SIZE",
   * and curl {@code --http2} 16% with "buffer size is too small to store data following HTTP Upgrade". The
   * frames on the wire were valid (checked with a raw client, 2026-12-02); {@code cdn bench compare} failed
   * its set-up check on it.
   */
  public static HttpClient.Builder clientBuilder(Duration connectTimeout) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout);
  }

  /** The stack file's variables overlaid by the process environment. */
  public static Map<String, String> load() {
    Map<String, String> vars = new LinkedHashMap<>(read(file()));
    vars.putAll(System.getenv());
    return vars;
  }

  static Map<String, String> read(Path file) {
    Map<String, String> vars = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return vars;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (line.strip().startsWith("#")) {
          continue;
        }
        if (eq > 0 && !line.startsWith("#")) {
          vars.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
      }
      return vars;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Writes the stack file (sorted, {@code NAME=value} lines). */
  public static void write(Map<String, String> vars) {
    StringBuilder text = new StringBuilder("# written by ./cdn up; removed when it stops\n");
    new TreeMap<>(vars).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    try {
      ensureDir();
      Files.writeString(file(), text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file(), e);
    }
  }

  /** Creates {@code <home>/.cdn} with a {@code .gitignore} of {@code *}: its contents are never committed. */
  public static Path ensureDir() throws IOException {
    Path dir = file().getParent();
    Files.createDirectories(dir);
    Path ignore = dir.resolve(".gitignore");
    if (!Files.exists(ignore)) {
      Files.writeString(ignore, "# runtime state of ./cdn (stack.env, embedded server data)\n*\n");
    }
    return dir;
  }

  /** Deletes the stack file. */
  public static void clear() {
    try {
      Files.deleteIfExists(file());
    } catch (IOException e) {
      // nothing to do: a stale file names servers that no longer answer
    }
  }
}
