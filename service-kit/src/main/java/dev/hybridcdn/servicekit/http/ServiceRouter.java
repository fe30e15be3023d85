package dev.hybridcdn.servicekit.http;

import dev.hybridcdn.servicekit.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The one way every service starts its router: errors rendered as the {@link ApiError} envelope
 * (handler failures, the router's own 404 and 405) and the management routes {@code GET /health}
 * ({@link Health}) and {@code GET /metrics} (Prometheus text, {@link Metrics}) mounted. The service
 * then adds its own API routes to the returned router.
 */
public final class ServiceRouter {
  private ServiceRouter() {}

  /** A router with the error envelope and {@code /health}, {@code /metrics} already in place. */
  public static Router create(Vertx vertx, Health health, Metrics metrics) {
    Router router = Router.router(vertx);
    ApiError.install(router);
    router.get("/health").handler(health::handle);
    router.get("/metrics").handler(metrics::handle);
    return router;
  }
}
