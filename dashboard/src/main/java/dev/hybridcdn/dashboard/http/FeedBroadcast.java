package dev.hybridcdn.dashboard.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/feed}: the live figures as server-sent events, one {@code data: <tick JSON>} message
 * per tick ({@code LiveStats#tick} gives the shape); a new subscriber gets the latest tick at once. A
 * subscriber whose connection cannot take a tick (write queue full) misses that tick, never blocks the
 * others.
 */
public final class FeedBroadcast {
  private final Set<HttpServerResponse> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicLong skipped = new AtomicLong();
  private volatile String latest;

  /** Sends one tick to every subscriber. */
  public void publish(JsonObject tick) {
    String message = "data: " + tick.encode() + "\n\n";
    latest = message;
    for (HttpServerResponse r : subscribers) {
      if (r.writeQueueFull()) {
        skipped.incrementAndGet();
      } else {
        r.write(message);
      }
    }
  }

  /** Open subscriptions. */
  public int subscribers() {
    return subscribers.size();
  }

  /** Ticks not sent to a slow subscriber, since start. */
  public long skipped() {
    return skipped.get();
  }

  void subscribe(RoutingContext ctx) {
    HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no");
    subscribers.add(r);
    r.closeHandler(v -> subscribers.remove(r));
    r.exceptionHandler(e -> subscribers.remove(r));
    String now = latest;
    r.write(now != null ? now : ": waiting for the first tick\n\n");
  }
}
