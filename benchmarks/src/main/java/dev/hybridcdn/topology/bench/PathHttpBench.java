package dev.hybridcdn.topology.bench;

import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.topology.graph.PathMetric;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.http.TopologyHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /path} end to end over HTTP: the production router ({@link TopologyHttp}) on loopback
 * over a random graph ({@link PathQueryBench#randomGraph}), loaded by {@code wrk} (random node
 * pairs from a Lua script) for each metric; prints wrk's latency distribution (p50, p75, p90, p99)
 * and requests per second. Needs {@code wrk} on the PATH. Server and load generator share the
 * machine, so the figures are pessimistic.
 *
 * <p>{@code ./cdn bench PathHttpBench [nodes=10000] [degree=8] [seconds=10] [connections=16]}
 */
public final class PathHttpBench {
  private PathHttpBench() {}

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int degree = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int connections = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    int wrkThreads = Math.min(2, connections);
    PeerGraph graph = PathQueryBench.randomGraph(nodes, degree, 42);
    Vertx vertx = Vertx.vertx();
    TopologyHttp http = new TopologyHttp(vertx, graph, new Metrics(),
        new Health().required("graph", () -> Future.succeededFuture(Health.Check.up("synthetic"))));
    HttpServer server = vertx.createHttpServer().requestHandler(http.router()).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.out.printf("graph: %d nodes, %d links; server on 127.0.0.1:%d%n", graph.nodeCount(), graph.linkCount(),
        server.actualPort());
    try {
      for (PathMetric metric : PathMetric.values()) {
        Path script = Files.createTempFile("path-bench-", ".lua");
        Files.writeString(script, """
            math.randomseed(42)
            request = function()
              local a = math.random(0, %d)
              local b = math.random(0, %d)
              return wrk.format("GET", "/path?from=p" .. a .. "&to=p" .. b .. "&metric=%s")
            end
            """.formatted(nodes - 1, nodes - 1, metric.wire()), StandardCharsets.UTF_8);
        String url = "http://127.0.0.1:" + server.actualPort();
        run("wrk", "-t" + wrkThreads, "-c" + connections, "-d2s", "-s", script.toString(), url); // warm-up, output dropped below
        System.out.println("== metric=" + metric.wire() + " ==");
        System.out.print(run("wrk", "-t" + wrkThreads, "-c" + connections, "-d" + seconds + "s", "--latency", "-s",
            script.toString(), url));
        Files.deleteIfExists(script);
      }
    } finally {
      http.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("could not run " + command[0] + " (is wrk installed?): " + e.getMessage(), e);
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(command[0] + " failed: " + out);
    }
    return out;
  }
}
