package dev.hybridcdn.servicekit.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /health}: each named dependency check answers UP or DOWN (with a reason). The service is
 * {@code UP} when all are, {@code DEGRADED} when an optional one is down (200), {@code DOWN} when a
 * required one is down (503). Body: {@code {"status": "UP|DEGRADED|DOWN", "checks": {name:
 * {"status": ..., "required": bool, "detail": ...}}}}.
 */
public final class Health {
  /** Result of one check. */
  public record Check(boolean up, String detail) {
    public static Check up(String detail) {
      return new Check(true, detail);
    }

    public static Check down(String detail) {
      return new Check(false, detail);
    }
  }

  private record Entry(boolean required, Supplier<Future<Check>> check) {}

  private final Map<String, Entry> checks = new LinkedHashMap<>();

  /** A dependency the service cannot work without (DOWN -> 503). */
  public Health required(String name, Supplier<Future<Check>> check) {
    checks.put(name, new Entry(true, check));
    return this;
  }

  /** A dependency the service degrades without (DOWN -> DEGRADED, still 200). */
  public Health optional(String name, Supplier<Future<Check>> check) {
    checks.put(name, new Entry(false, check));
    return this;
  }

  /** Runs every check (a failed future counts as DOWN) and answers the request. */
  public void handle(RoutingContext ctx) {
    evaluate().onComplete(ar -> {
      JsonObject body = ar.result();
      int status = "DOWN".equals(body.getString("status")) ? 503 : 200;
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    });
  }

  /** The health document. */
  public Future<JsonObject> evaluate() {
    Map<String, Future<Check>> running = new LinkedHashMap<>();
    checks.forEach((name, entry) -> {
      Future<Check> f;
      try {
        f = entry.check().get().recover(e -> Future.succeededFuture(Check.down(e.getMessage())));
      } catch (RuntimeException e) {
        f = Future.succeededFuture(Check.down(e.toString()));
      }
      running.put(name, f);
    });
    return Future.join(running.values().stream().map(f -> (Future<?>) f).toList()).transform(ignored -> {
      JsonObject out = new JsonObject();
      String status = "UP";
      for (var e : running.entrySet()) {
        Check c = e.getValue().result();
        boolean required = checks.get(e.getKey()).required();
        out.put(e.getKey(), new JsonObject().put("status", c.up() ? "UP" : "DOWN").put("required", required)
            .put("detail", c.detail()));
        if (!c.up()) {
          status = required ? "DOWN" : ("DOWN".equals(status) ? status : "DEGRADED");
        }
      }
      return Future.succeededFuture(new JsonObject().put("status", status).put("checks", out));
    });
  }
}
