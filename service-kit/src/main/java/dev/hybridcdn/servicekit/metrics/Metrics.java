package dev.hybridcdn.servicekit.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.RoutingContext;

/**
 * One Prometheus registry per service (Micrometer). Meter names use dots and Micrometer renders
 * Prometheus names: counter {@code cdn.edge.requests} becomes {@code cdn_edge_requests_total}.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** {@code GET /metrics}: Prometheus text exposition format 0.0.4. */
  public void handle(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
  }
}
