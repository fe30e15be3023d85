package dev.hybridcdn.ops.bench;

import dev.hybridcdn.kafka.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * nginx serving static files as the reference of the serving benchmarks: its own config, pid, logs
 * and document root in a directory of the caller's, a free loopback port, {@code sendfile} and
 * {@code tcp_nopush}, no access log, keep-alive without a request limit; stopped by {@link #close}.
 * Needs {@code nginx} (Debian's {@code nginx-light} is enough).
 */
public final class StaticNginx implements AutoCloseable {
  private final Process process;
  private final int port;

  private StaticNginx(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Writes {@code files} under {@code dir/www} and starts nginx on them.
   *
   * @param files path under the document root (such as {@code segments/a/128k/seg00000.ts}) to bytes
   * @param workers {@code worker_processes}: a number, or {@code auto} (one per core)
   * @throws IllegalStateException when nginx does not answer within 10 s (its output in the message)
   */
  public static StaticNginx start(Path dir, Map<String, byte[]> files, String workers)
      throws IOException, InterruptedException {
    return start(dir, files, workers, UnaryOperator.identity());
  }

  /**
   * The same, started through {@code launcher} (such as {@code taskset -c 1 ...}: the master and its
   * workers then run on those cores).
   *
   * @param launcher rewrites nginx's command line
   */
  public static StaticNginx start(Path dir, Map<String, byte[]> files, String workers,
      UnaryOperator<List<String>> launcher) throws IOException, InterruptedException {
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path file = dir.resolve("www").resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.write(file, f.getValue());
    }
    Files.createDirectories(dir.resolve("logs"));
    int port = LoopbackPorts.free();
    // Started as root, nginx would run its workers as nobody, who cannot enter a private temp dir.
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    String conf = user + """
        worker_processes %3$s;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          sendfile on;
          tcp_nopush on;
          tcp_nodelay on;
          keepalive_requests 1000000;
          client_body_temp_path %1$s/tmp-body;
          proxy_temp_path %1$s/tmp-proxy;
          fastcgi_temp_path %1$s/tmp-fastcgi;
          uwsgi_temp_path %1$s/tmp-uwsgi;
          scgi_temp_path %1$s/tmp-scgi;
          types { video/mp2t ts; }
          default_type application/octet-stream;
          server {
            listen 127.0.0.1:%2$d;
            root %1$s/www;
            etag on;
          }
        }
        """.formatted(dir.toAbsolutePath(), port, workers);
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf, StandardCharsets.UTF_8);
    Path nginx = ExternalTools.find("nginx");
    Process p = new ProcessBuilder(launcher.apply(List.of(nginx == null ? "nginx" : nginx.toString(), "-p",
        dir.toAbsolutePath().toString(), "-c", confFile.toString(), "-g", "daemon off;"))).redirectErrorStream(true)
        .redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!answers(port)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroy();
        throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("logs/stdout.log"))
            + Files.readString(dir.resolve("logs/error.log")));
      }
      Thread.sleep(50);
    }
    return new StaticNginx(p, port);
  }

  /** The master's process id (its workers are its children). */
  public long pid() {
    return process.pid();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Stops nginx (SIGTERM: the master stops its workers), waiting up to 10 s. */
  @Override
  public void close() {
    ExternalTools.stop(process);
  }

  static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
