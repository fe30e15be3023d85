package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.bench.floor.BareVertxServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The {@code serve} comparison of {@link Compare}: one hot HLS segment under {@code wrk}, from nginx
 * serving the same bytes as a static file vs the framework's floor (a bare Vert.x server, {@link
 * BareVertxServer}: what Vert.x and Netty cost before this project's code) vs the edge answering from its
 * hot tier ({@code HIT-MEMORY}) vs a peer answering a player from its cache ({@code local}). Its figures
 * are wrk's (requests per second, p99) and each server's own processes' CPU per answer ({@link
 * CompareRun#wrk(String, long)}); the floor, the edge and the peer are {@link ServeProcesses}' JVMs.
 */
final class ServeComparison {
  private final CompareRun run;

  ServeComparison(CompareRun run) {
    this.run = run;
  }

  /** The subject of the framework's floor row ({@link BareVertxServer}). */
  static final String FLOOR = "vert.x floor (bare server, no events)";

  record ServeSide(StaticNginx nginx, String nginxUrl, String bareUrl, String edgeUrl, String peerUrl, long bytes) {}

  ServeSide setup(ServeProcesses processes, Manifest.Segment hot) throws Exception {
    CorePinning pinning = run.pinning;
    String path = CdnPaths.segment(hot.segmentId());
    String edgeUrl = processes.edgeUrl() + path;
    CompareRun.get(edgeUrl, null, hot.sha256());
    HttpResponse<byte[]> edgeHit = CompareRun.get(edgeUrl, null, hot.sha256());
    CompareRun.expectHeader(edgeHit, "X-Cache", "HIT-MEMORY", "edge");
    String peerUrl = processes.peerUrl() + path;
    CompareRun.get(peerUrl, null, hot.sha256()); // the peer's miss, from its edge: cached from then on
    HttpResponse<byte[]> peerHit = CompareRun.get(peerUrl, null, hot.sha256());
    CompareRun.expectHeader(peerHit, CdnHeaders.SOURCE, "local", "peer");
    // nginx serves the very bytes the edge answered, under the same path
    StaticNginx nginx = StaticNginx.start(run.options.workDir().resolve("nginx"),
        Map.of(path.substring(1), edgeHit.body()), Integer.toString(pinning.enabled() ? pinning.serverCores() : 1),
        pinning::onServerCores);
    String nginxUrl = nginx.url() + path;
    String bareUrl;
    try {
      CompareRun.get(nginxUrl, null, hot.sha256());
      // the framework's floor serves the same bytes under the same path
      Path bareFile = run.options.workDir().resolve("bare").resolve("segment.ts");
      Files.createDirectories(bareFile.getParent());
      Files.write(bareFile, edgeHit.body());
      bareUrl = processes.startBare(bareFile, path, run.options.workDir().resolve("logs")) + path;
      CompareRun.get(bareUrl, null, hot.sha256());
    } catch (Exception | Error e) {
      nginx.close(); // not yet in Sides, which stops the others
      throw e;
    }
    run.setup.put("serve", String.format(java.util.Locale.ROOT,
        "segment %s (%d bytes); wrk -t1 -c%d -d%ds --latency; nginx: %d worker(s), sendfile; the vert.x floor"
        + " (1 event loop), the edge (%d) and the peer (1) in a JVM each", hot.segmentId(), hot.bytes(),
        run.options.connections(), run.options.seconds(), pinning.enabled() ? pinning.serverCores() : 1,
        pinning.enabled() ? pinning.serverCores() : 2));
    run.progress.accept("nginx " + nginx.url() + " serves " + hot.segmentId());
    return new ServeSide(nginx, nginxUrl, bareUrl, edgeUrl, peerUrl, hot.bytes());
  }

  List<CompareRow> round(int round, ServeSide s, ServeProcesses jvms) throws Exception {
    // Pinned, only the server measured is on the server core: nginx idles without timers, a JVM does not.
    jvms.measure(null);
    CompareRun.Measured n = run.wrk(s.nginxUrl(), s.nginx().pid());
    jvms.measure("bare");
    CompareRun.Measured b = run.wrk(s.bareUrl(), jvms.pid("bare"));
    jvms.measure("edge");
    CompareRun.Measured e = run.wrk(s.edgeUrl(), jvms.pid("edge"));
    jvms.measure("peer");
    CompareRun.Measured p = run.wrk(s.peerUrl(), jvms.pid("peer"));
    jvms.measure(null); // neither on the server core during the tracker rounds
    double nRps = n.result().requestsPerSecond();
    double nP99 = n.result().p99Ms();
    return List.of(
        new CompareRow("serve", round, "nginx, static file", true, nRps, "req/s", nP99, 1.0, null, null,
            n.result().trouble(), n.cpuUsPerRequest()),
        new CompareRow("serve", round, FLOOR, false, b.result().requestsPerSecond(), "req/s", b.result().p99Ms(),
            b.result().requestsPerSecond() / nRps, null, null, b.result().trouble(), b.cpuUsPerRequest()),
        new CompareRow("serve", round, "edge, hot segment (HIT-MEMORY)", false, e.result().requestsPerSecond(), "req/s",
            e.result().p99Ms(), e.result().requestsPerSecond() / nRps, ">= 0.9x nginx, p99 <= 2x nginx's",
            e.result().requestsPerSecond() >= 0.9 * nRps && e.result().p99Ms() <= 2 * nP99, e.result().trouble(),
            e.cpuUsPerRequest()),
        new CompareRow("serve", round, "peer, cached segment (player, local hit)", false,
            p.result().requestsPerSecond(), "req/s", p.result().p99Ms(), p.result().requestsPerSecond() / nRps,
            ">= 1.0x nginx, p99 <= 2x nginx's",
            p.result().requestsPerSecond() >= nRps && p.result().p99Ms() <= 2 * nP99, p.result().trouble(),
            p.cpuUsPerRequest()));
  }
}
