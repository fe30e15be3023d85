package dev.hybridcdn.peer.signalling;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.PeerManifests;
import dev.hybridcdn.peer.readahead.ReadAhead;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.Tier;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's half of song distribution (issue 15 item 2, seed 000 2.3.6) over its
 * {@link SignallingClient}:
 * <ul>
 *   <li><b>Announces</b> ({@link #played}): the first segment a player asks of a song sends
 *       {@code playing} (joining its room); the last {@value #ROOMS} songs stay joined and are
 *       re-joined after a reconnection. A rendition's first segment that no peer had (it came from
 *       an edge or the origin) sends {@code start}, once per song: the topology spreads the song along
 *       the path from this peer to its nearest edge.</li>
 *   <li><b>Orders</b> ({@code push}): the segments named are looked up in the manifest and fetched
 *       through the peer's own pipeline (peers, then edges) at read-ahead's priority: one at a time,
 *       and only while fewer than {@code MAX_DOWNLOADS} fetches run, so player requests go first
 *       (retried every {@value #YIELD_MS} ms). Segments pushed and not played here may fill at most
 *       {@code PUSH_CACHE_SHARE} of the cache; orders past it are skipped.</li>
 *   <li><b>Uplink</b> ({@link #acquireUpload}): at most {@code PUSH_UPLINK_SHARE} of the upload slots
 *       serve pushed segments at once.</li>
 * </ul>
 * Thread-safe.
 */
public final class Distribution implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Distribution.class);
  /** Songs whose rooms stay joined (the room server allows 32). */
  static final int ROOMS = 16;
  /** How often queued pushes look again for a free download. */
  static final long YIELD_MS = 250;
  private static final int MAX_QUEUED = 256;

  private final String peerId;
  private final SegmentCache cache;
  private final PeerManifests manifests;
  private final ReadAhead.Fetches fetches;
  private final int maxDownloads;
  private final long pushBudgetBytes;
  private final int pushedUploadSlots;
  private final Set<String> rooms = new LinkedHashSet<>();
  private final Set<String> started = new LinkedHashSet<>();
  private final Deque<Manifest.Segment> queue = new ArrayDeque<>();
  /** Pushed segments not played here: id -> bytes (evicted ones are dropped as they are noticed). */
  private final Map<String, Long> pushed = new HashMap<>();
  private int pushedUploads;
  private boolean pushRunning;
  private boolean retryScheduled;
  private long ordersReceived;
  private long pushesFetched;
  private long pushesSkipped;
  private Vertx vertx;
  private SignallingClient client;

  public Distribution(String peerId, DistributionConfig config, SegmentCache cache, PeerManifests manifests,
      ReadAhead.Fetches fetches, int maxDownloads, int uploadSlots) {
    this.peerId = peerId;
    this.cache = cache;
    this.manifests = manifests;
    this.fetches = fetches;
    this.maxDownloads = maxDownloads;
    this.pushBudgetBytes = (long) (cache.capacityBytes() * config.cacheShare());
    this.pushedUploadSlots = config.pushedUploadSlots(uploadSlots);
  }

  /** Connects through {@code client} (built by the caller); returns at once. */
  public void start(Vertx vertx, SignallingClient client) {
    synchronized (this) {
      this.vertx = vertx;
      this.client = client;
    }
    client.start();
  }

  /** The handler for every frame from the server. */
  public void onMessage(JsonObject msg) {
    String type = msg.getString("type");
    if ("push".equals(type)) {
      order(msg);
    } else if ("error".equals(type)) {
      LOG.debug("{}: signalling refused a message: {} {}", peerId, msg.getString("reason"), msg.getString("message"));
    }
  }

  /** After each (re)connection: the rooms are joined again. */
  public void onConnected() {
    List<String> songs;
    synchronized (this) {
      songs = new ArrayList<>(rooms);
    }
    songs.forEach(s -> send(new JsonObject().put("type", "join").put("songId", s)));
  }

  /** A player got {@code segment} of {@code manifest} from {@code tier}. */
  public void played(Manifest manifest, Manifest.Segment segment, Tier tier) {
    String songId = manifest.songId();
    boolean announce;
    String leave = null;
    boolean start;
    synchronized (this) {
      pushed.remove(segment.segmentId()); // played here: the player's content now, not pushed content
      announce = rooms.add(songId);
      if (announce && rooms.size() > ROOMS) {
        Iterator<String> oldest = rooms.iterator();
        leave = oldest.next();
        oldest.remove();
      }
      start = segment.index() == 0 && (tier == Tier.EDGE || tier == Tier.ORIGIN) && started.add(songId);
      if (started.size() > 4 * ROOMS) {
        started.remove(started.iterator().next());
      }
    }
    if (leave != null) {
      send(new JsonObject().put("type", "leave").put("songId", leave));
    }
    if (announce) {
      send(new JsonObject().put("type", "playing").put("songId", songId).put("rendition", segment.rendition())
          .put("index", segment.index()));
    }
    if (start) {
      Manifest.Rendition r = manifest.rendition(segment.rendition());
      send(new JsonObject().put("type", "start").put("songId", songId).put("rendition", segment.rendition())
          .put("segments", Math.max(1, Math.min(10_000, r == null ? 1 : r.segments().size()))));
    }
  }

  /**
   * A slot for uploading {@code segmentId} under the uplink share.
   *
   * @return what to run when the upload ends, or null when the pushed share of the slots is in use
   */
  public synchronized Runnable acquireUpload(String segmentId) {
    if (!pushed.containsKey(segmentId)) {
      return () -> { };
    }
    if (pushedUploads >= pushedUploadSlots) {
      return null;
    }
    pushedUploads++;
    return () -> {
      synchronized (this) {
        pushedUploads--;
      }
    };
  }

  /** {@code /status}: orders, pushes, bytes held for pushes, connection. */
  public synchronized JsonObject status() {
    return new JsonObject().put("connected", client != null && client.connected())
        .put("ordersReceived", ordersReceived).put("pushesFetched", pushesFetched).put("pushesSkipped", pushesSkipped)
        .put("queued", queue.size()).put("pushedBytes", pushedBytes()).put("pushBudgetBytes", pushBudgetBytes);
  }

  private void order(JsonObject msg) {
    String songId = msg.getString("songId");
    String rendition = msg.getString("rendition");
    JsonArray indices = msg.getJsonArray("indices");
    if (!Ids.isSongId(songId) || !Ids.isRendition(rendition) || indices == null || indices.size() > 10_000) {
      return;
    }
    synchronized (this) {
      ordersReceived++;
    }
    manifests.of(songId).onSuccess(m -> {
      Manifest.Rendition r = m.rendition(rendition);
      if (r == null) {
        return;
      }
      synchronized (this) {
        for (Object i : indices) {
          if (i instanceof Integer idx && idx >= 0 && idx < r.segments().size() && queue.size() < MAX_QUEUED) {
            Manifest.Segment s = r.segments().get(idx);
            if (!cache.contains(s.segmentId()) && !queue.contains(s)) {
              queue.addLast(s);
            }
          }
        }
      }
      drain();
    }).onFailure(e -> LOG.debug("{}: push of {} without a manifest: {}", peerId, songId, e.toString()));
  }

  /** Starts the next queued push if none runs and a download is free; else looks again later. */
  private void drain() {
    Manifest.Segment next = null;
    synchronized (this) {
      while (!pushRunning && !queue.isEmpty()) {
        if (fetches.inFlight() >= maxDownloads) {
          if (!retryScheduled && vertx != null) {
            retryScheduled = true;
            vertx.setTimer(YIELD_MS, id -> {
              synchronized (this) {
                retryScheduled = false;
              }
              drain();
            });
          }
          return;
        }
        Manifest.Segment s = queue.pollFirst();
        if (cache.contains(s.segmentId()) || fetches.isFetching(s.segmentId())) {
          continue;
        }
        if (pushedBytes() + s.bytes() > pushBudgetBytes) {
          pushesSkipped++;
          continue;
        }
        pushed.put(s.segmentId(), s.bytes());
        pushRunning = true;
        next = s;
      }
    }
    if (next == null) {
      return;
    }
    Manifest.Segment s = next;
    fetches.fetchPushed(s).onComplete(ar -> {
      synchronized (this) {
        pushRunning = false;
        if (ar.succeeded()) {
          pushesFetched++;
        } else {
          pushed.remove(s.segmentId());
        }
      }
      drain();
    });
  }

  /** Bytes of pushed segments still cached (forgets evicted ones). */
  private long pushedBytes() {
    long sum = 0;
    for (Iterator<Map.Entry<String, Long>> it = pushed.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (cache.contains(e.getKey()) || fetches.isFetching(e.getKey())) {
        sum += e.getValue();
      } else {
        it.remove();
      }
    }
    return sum;
  }

  private void send(JsonObject msg) {
    SignallingClient c;
    synchronized (this) {
      c = client;
    }
    if (c != null) {
      c.send(msg);
    }
  }

  @Override
  public void close() {
    SignallingClient c;
    synchronized (this) {
      c = client;
      client = null;
    }
    if (c != null) {
      c.close();
    }
  }
}
