package dev.hybridcdn.dashboard.feed;

import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dashboard's figures, folded from the events the live feed reads ({@link LiveFeed}). One
 * {@link #tick} per {@code DASHBOARD_TICK_MS} closes the current bucket and renders the figures as
 * one JSON document (below); the "window" figures cover the last {@code windowTicks} buckets, the
 * "total" ones everything read since the dashboard started. Thread-safe (one lock: the feed thread
 * records, a timer ticks).
 *
 * <p>Tick document: <pre>{@code
 * {"ts": epoch ms, "windowMs": ms,
 *  "deliveries": {"window"|"total": {"local"|"peer"|"edge"|"origin": {"count", "bytes"}}},
 *  "shares": {"window"|"total": {"p2pShare", "cdnOffload", "originOffload", "bytes"}},   // null without bytes
 *  "edges": [{"edgeId", "requests", "hits", "hitRatio", "windowRequests", "windowHitRatio"}],
 *  "uploaders": [{"peerId", "uploadedBytes"}],        // top 10 by the peers' own heartbeat counters
 *  "churn": {"tick"|"total": {"joins", "leaves", "expiries"}},
 *  "deadLetters": {"total", "tick", "recent": [{"sourceTopic", "application", "error", "ts"}]},
 *  "feed": {"events", "undecodable"}}
 * }</pre>
 * Shares are fractions 0..1 of bytes delivered to players (SegmentDelivered): {@code p2pShare} =
 * bytes of tier PEER / delivered; {@code cdnOffload} = 1 - edge egress (EdgeServed bytes, hits and
 * misses) / delivered; {@code originOffload} = 1 - edge misses' bytes / delivered (the root README's
 * definitions). Over a short window {@code cdnOffload} can be negative: peers read ahead from edges
 * before players ask.
 */
public final class LiveStats {
  /** Top uploaders listed per tick. */
  public static final int TOP_UPLOADERS = 10;
  /** Dead letters kept for the page. */
  public static final int RECENT_DEAD_LETTERS = 20;

  /** One tick's (or the total's) counts. */
  private static final class Bucket {
    final Map<Tier, long[]> tiers = new EnumMap<>(Tier.class); // {count, bytes}
    final Map<String, long[]> edges = new HashMap<>(); // {requests, hits, bytes, missBytes}
    long joins;
    long leaves;
    long expiries;
    long deadLetters;

    void add(Bucket o) {
      o.tiers.forEach((t, v) -> addTo(tiers.computeIfAbsent(t, k -> new long[2]), v));
      o.edges.forEach((e, v) -> addTo(edges.computeIfAbsent(e, k -> new long[4]), v));
      joins += o.joins;
      leaves += o.leaves;
      expiries += o.expiries;
      deadLetters += o.deadLetters;
    }

    private static void addTo(long[] a, long[] b) {
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    }
  }

  /** A dead letter as the page lists it. */
  public record DeadLetter(String sourceTopic, String application, String error, long ts) {}

  private final int windowTicks;
  private final long windowMs;
  private final ArrayDeque<Bucket> window = new ArrayDeque<>();
  private final Bucket total = new Bucket();
  private Bucket current = new Bucket();
  private final Map<String, Long> uploadedBytes = new HashMap<>();
  private final ArrayDeque<DeadLetter> recentDeadLetters = new ArrayDeque<>();
  private long events;
  private long undecodable;

  /**
   * @param windowTicks ticks in the rolling window (1 or more)
   * @param tickMs the tick period in ms, only to report {@code windowMs}
   */
  public LiveStats(int windowTicks, long tickMs) {
    if (windowTicks < 1) {
      throw new IllegalArgumentException("windowTicks must be at least 1, got " + windowTicks);
    }
    this.windowTicks = windowTicks;
    this.windowMs = windowTicks * tickMs;
  }

  /** Folds one decoded event in; event types the dashboard does not chart are counted only. */
  public synchronized void record(Object event) {
    events++;
    if (event instanceof SegmentDelivered d) {
      long[] v = current.tiers.computeIfAbsent(d.getTier(), k -> new long[2]);
      v[0]++;
      v[1] += d.getBytes();
    } else if (event instanceof EdgeServed e) {
      long[] v = current.edges.computeIfAbsent(e.getEdgeId(), k -> new long[4]);
      v[0]++;
      v[1] += e.getCacheResult() == EdgeResult.MISS ? 0 : 1;
      v[2] += e.getBytes();
      // Origin bytes: a miss its shield edge answered (shieldId) is counted at the shield.
      v[3] += e.getCacheResult() == EdgeResult.MISS && e.getShieldId() == null ? e.getBytes() : 0;
    } else if (event instanceof PeerHeartbeat h) {
      uploadedBytes.put(h.getPeerId(), h.getUploadedBytes());
    } else if (event instanceof PeerJoined j) {
      current.joins++;
      uploadedBytes.putIfAbsent(j.getPeerId(), 0L);
    } else if (event instanceof PeerLeft l) {
      current.leaves++;
      uploadedBytes.remove(l.getPeerId());
    } else if (event instanceof PeerExpired x) {
      current.expiries++;
      uploadedBytes.remove(x.getPeerId());
    }
  }

  /** A record on an event topic that did not decode: counted and skipped (the dashboard only reads). */
  public synchronized void undecodable() {
    undecodable++;
  }

  /** A record read from the dead-letter topic. */
  public synchronized void deadLetter(DeadLetter d) {
    current.deadLetters++;
    recentDeadLetters.addFirst(d);
    while (recentDeadLetters.size() > RECENT_DEAD_LETTERS) {
      recentDeadLetters.removeLast();
    }
  }

  /** Closes the current bucket and renders the figures (shape in the class comment). */
  public synchronized JsonObject tick(long nowMs) {
    Bucket closed = current;
    current = new Bucket();
    total.add(closed);
    window.addLast(closed);
    while (window.size() > windowTicks) {
      window.removeFirst();
    }
    Bucket win = new Bucket();
    window.forEach(win::add);

    JsonArray edges = new JsonArray();
    new TreeMap<>(total.edges).forEach((id, v) -> {
      long[] w = win.edges.getOrDefault(id, new long[4]);
      edges.add(new JsonObject().put("edgeId", id).put("requests", v[0]).put("hits", v[1])
          .put("hitRatio", ratio(v[1], v[0])).put("windowRequests", w[0]).put("windowHitRatio", ratio(w[1], w[0])));
    });
    JsonArray uploaders = new JsonArray();
    uploadedBytes.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .limit(TOP_UPLOADERS)
        .forEach(e -> uploaders.add(new JsonObject().put("peerId", e.getKey()).put("uploadedBytes", e.getValue())));
    JsonArray recent = new JsonArray();
    recentDeadLetters.forEach(d -> recent.add(new JsonObject().put("sourceTopic", d.sourceTopic())
        .put("application", d.application()).put("error", d.error()).put("ts", d.ts())));

    return new JsonObject().put("ts", nowMs).put("windowMs", windowMs)
        .put("deliveries", new JsonObject().put("window", tiers(win)).put("total", tiers(total)))
        .put("shares", new JsonObject().put("window", shares(win)).put("total", shares(total)))
        .put("edges", edges)
        .put("uploaders", uploaders)
        .put("churn", new JsonObject().put("tick", churn(closed)).put("total", churn(total)))
        .put("deadLetters", new JsonObject().put("total", total.deadLetters).put("tick", closed.deadLetters)
            .put("recent", recent))
        .put("feed", new JsonObject().put("events", events).put("undecodable", undecodable));
  }

  private static JsonObject tiers(Bucket b) {
    JsonObject out = new JsonObject();
    for (Tier t : Tier.values()) {
      long[] v = b.tiers.getOrDefault(t, new long[2]);
      out.put(t.name().toLowerCase(Locale.ROOT), new JsonObject().put("count", v[0]).put("bytes", v[1]));
    }
    return out;
  }

  private static JsonObject shares(Bucket b) {
    long delivered = 0;
    for (long[] v : b.tiers.values()) {
      delivered += v[1];
    }
    long peer = b.tiers.getOrDefault(Tier.PEER, new long[2])[1];
    long edgeEgress = 0;
    long misses = 0;
    for (long[] v : b.edges.values()) {
      edgeEgress += v[2];
      misses += v[3];
    }
    JsonObject out = new JsonObject().put("bytes", delivered);
    if (delivered == 0) {
      return out.putNull("p2pShare").putNull("cdnOffload").putNull("originOffload");
    }
    return out.put("p2pShare", (double) peer / delivered).put("cdnOffload", 1 - (double) edgeEgress / delivered)
        .put("originOffload", 1 - (double) misses / delivered);
  }

  private static JsonObject churn(Bucket b) {
    return new JsonObject().put("joins", b.joins).put("leaves", b.leaves).put("expiries", b.expiries);
  }

  private static Double ratio(long part, long whole) {
    return whole == 0 ? null : (double) part / whole;
  }
}
