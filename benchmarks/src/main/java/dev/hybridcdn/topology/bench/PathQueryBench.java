package dev.hybridcdn.topology.bench;

import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.topology.graph.PathMetric;
import dev.hybridcdn.topology.graph.PeerGraph;
import java.util.Arrays;
import java.util.Random;

/**
 * Path-query latency on a random overlay: {@code nodes} peers, {@code nodes * degree / 2} links
 * between uniformly random pairs (average degree {@code degree}), RTTs uniform in 1..200 ms. Times
 * {@link PeerGraph#path} for random node pairs after a warm-up, per metric, and prints p50, p90,
 * p99 and max in ms of wall time, and p50/p99 of the querying thread's CPU time (which leaves out
 * time the thread was preempted on a busy machine). The target: p99 under 5 ms for
 * 10,000 nodes, degree 8.
 *
 * <p>{@code ./cdn bench PathQueryBench [nodes=10000] [degree=8] [queries=2000] [seed=42]}
 */
public final class PathQueryBench {
  /** Latency figures of one metric, in ms. */
  public record Figures(PathMetric metric, int queries, int found, double p50Ms, double p90Ms, double p99Ms,
      double maxMs, double cpuP50Ms, double cpuP99Ms, double meanHops) {
    @Override
    public String toString() {
      return String.format("metric=%-4s queries=%d found=%d wall p50=%.3f ms p90=%.3f ms p99=%.3f ms max=%.3f ms"
          + " | thread-cpu p50=%.3f ms p99=%.3f ms | mean hops=%.2f",
          metric.wire(), queries, found, p50Ms, p90Ms, p99Ms, maxMs, cpuP50Ms, cpuP99Ms, meanHops);
    }
  }

  private PathQueryBench() {}

  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int degree = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int queries = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
    long t0 = System.nanoTime();
    PeerGraph graph = randomGraph(nodes, degree, seed);
    System.out.printf("graph: %d nodes, %d links, built in %d ms; %d cores, java %s%n", graph.nodeCount(),
        graph.linkCount(), (System.nanoTime() - t0) / 1_000_000, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    for (PathMetric metric : PathMetric.values()) {
      run(graph, nodes, metric, Math.max(200, queries / 2), seed + 1); // warm-up (JIT)
      System.out.println(run(graph, nodes, metric, queries, seed + 2));
    }
  }

  /** A random graph as described in the class comment (node ids {@code p0..p<n-1>}). */
  public static PeerGraph randomGraph(int nodes, int degree, long seed) {
    Random random = new Random(seed);
    PeerGraph graph = new PeerGraph();
    for (int i = 0; i < nodes; i++) {
      graph.upsertNode("p" + i, NodeKind.PEER, "r" + (i % 4), true);
    }
    long links = (long) nodes * degree / 2;
    long made = 0;
    while (made < links) {
      int a = random.nextInt(nodes);
      int b = random.nextInt(nodes);
      if (a == b) {
        continue;
      }
      int before = graph.linkCount();
      graph.measureLink("p" + a, "p" + b, NodeKind.PEER, null, 1 + random.nextDouble() * 199);
      if (graph.linkCount() > before) {
        made++;
      }
    }
    return graph;
  }

  /** Runs {@code queries} path queries between random pairs and returns the latency figures. */
  public static Figures run(PeerGraph graph, int nodes, PathMetric metric, int queries, long seed) {
    Random random = new Random(seed);
    long[] nanos = new long[queries];
    long[] cpu = new long[queries];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    int found = 0;
    long hops = 0;
    for (int i = 0; i < queries; i++) {
      String from = "p" + random.nextInt(nodes);
      String to = "p" + random.nextInt(nodes);
      long c = threads.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      var result = graph.path(from, to, metric);
      nanos[i] = System.nanoTime() - t;
      cpu[i] = threads.getCurrentThreadCpuTime() - c;
      if (result.isPresent()) {
        found++;
        hops += result.get().hops();
      }
    }
    Arrays.sort(nanos);
    Arrays.sort(cpu);
    return new Figures(metric, queries, found, ms(nanos, 0.50), ms(nanos, 0.90), ms(nanos, 0.99),
        nanos[queries - 1] / 1e6, ms(cpu, 0.50), ms(cpu, 0.99), found == 0 ? 0 : (double) hops / found);
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
