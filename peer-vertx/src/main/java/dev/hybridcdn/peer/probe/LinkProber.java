package dev.hybridcdn.peer.probe;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Measures every link of a {@link LinkTable} with {@code GET <url>/ping}: the round trip, in ms
 * from {@link System#nanoTime()}, goes into the link's moving average and a LinkMeasured is
 * reported. An edge's id and region are learned from its {@code /ping} body ({@code edgeId} or
 * {@code id}, {@code region}) or its {@code X-Served-By} header. A failed probe (timeout, refused,
 * non-200) marks the link down ({@link Link#failed}) until a later probe or request succeeds; its
 * RTT is left as it was.
 */
public final class LinkProber {
  private final WebClient client;
  private final LinkTable links;
  private final long timeoutMs;
  private final Consumer<Link> measured;

  /**
   * @param timeoutMs bound of one probe, ms
   * @param measured told of each link after a successful probe (emits LinkMeasured)
   */
  public LinkProber(WebClient client, LinkTable links, long timeoutMs, Consumer<Link> measured) {
    this.client = client;
    this.links = links;
    this.timeoutMs = timeoutMs;
    this.measured = measured;
  }

  /** Probes every edge and neighbour once, in parallel; completes when all have answered or failed. */
  public Future<Void> probeAll() {
    List<Future<?>> all = new ArrayList<>();
    for (Link l : links.edges()) {
      all.add(probe(l));
    }
    for (Link l : links.neighbours()) {
      all.add(probe(l));
    }
    return Future.join(all).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** One probe of one link. */
  public Future<Double> probe(Link link) {
    long start = System.nanoTime();
    return client.getAbs(link.url() + CdnPaths.PING).timeout(timeoutMs).connectTimeout(timeoutMs).send()
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onFailure(e -> link.failed(System.currentTimeMillis()))
        .compose(resp -> {
          double ms = (System.nanoTime() - start) / 1_000_000.0;
          if (resp.statusCode() != 200) {
            link.failed(System.currentTimeMillis());
            return Future.failedFuture("ping " + link.url() + " answered " + resp.statusCode());
          }
          if (link.kind() == Link.Kind.EDGE) {
            learnIdentity(link, resp);
          }
          link.sample(ms);
          measured.accept(link);
          return Future.succeededFuture(link.rttMs());
        });
  }

  private static void learnIdentity(Link link, HttpResponse<Buffer> resp) {
    String id = resp.getHeader(CdnHeaders.SERVED_BY);
    String region = null;
    try {
      Buffer body = resp.body();
      if (body != null && body.length() > 0 && body.getByte(0) == '{') {
        JsonObject json = body.toJsonObject();
        id = firstNonNull(json.getValue("edgeId"), json.getValue("id"), id);
        Object r = json.getValue("region");
        region = r instanceof String s ? s : null;
      }
    } catch (RuntimeException ignored) {
      // not JSON: keep what the header said
    }
    if (Ids.isNodeId(id)) {
      link.id(id);
    }
    if (Ids.isRegion(region)) {
      link.region(region);
    }
  }

  private static String firstNonNull(Object a, Object b, String c) {
    if (a instanceof String s) {
      return s;
    }
    if (b instanceof String s) {
      return s;
    }
    return c;
  }
}
