package dev.hybridcdn.dashboard.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/feed}: the live figures as server-sent events, one {@code data: <tick JSON>} message
 * per tick ({@code LiveStats#tick} gives the shape). A new subscriber first gets one {@code event:
 * history} message whose data is the JSON array of the last {@link #HISTORY} ticks, oldest first (so a
 * page opened late still draws the curves), then every new tick. A subscriber whose connection cannot
 * take a tick (write queue full) misses that tick, never blocks the others.
 */
public final class FeedBroadcast {
  /** Ticks kept for new subscribers: 5 minutes at the default tick. */
  public static final int HISTORY = 300;
  private final Set<HttpServerResponse> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicLong skipped = new AtomicLong();
  private final ArrayDeque<String> history = new ArrayDeque<>();

  /** Sends one tick to every subscriber. */
  public void publish(JsonObject tick) {
    String json = tick.encode();
    String message = "data: " + json + "\n\n";
    // one lock with subscribe: a new subscriber gets each tick exactly once, after its history
    synchronized (history) {
      history.addLast(json);
      if (history.size() > HISTORY) {
        history.removeFirst();
      }
      for (HttpServerResponse r : subscribers) {
        if (r.writeQueueFull()) {
          skipped.incrementAndGet();
        } else {
          r.write(message);
        }
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
    r.closeHandler(v -> subscribers.remove(r));
    r.exceptionHandler(e -> subscribers.remove(r));
    synchronized (history) {
      r.write("event: history\ndata: [" + String.join(",", history) + "]\n\n");
      subscribers.add(r);
    }
  }
}
