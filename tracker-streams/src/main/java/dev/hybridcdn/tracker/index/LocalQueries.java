package dev.hybridcdn.tracker.index;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Reads of this instance's local stores, shaped as the HTTP answers. Store handles are passed in,
 * so the same code serves the HTTP layer (interactive queries) and tests (TopologyTestDriver).
 */
public final class LocalQueries {
  private LocalQueries() {}

  /** Peer ids the index lists for a segment (live or pending; ranking filters through the directory). */
  public static List<String> holders(ReadOnlyKeyValueStore<String, Long> segmentHolders, String segmentId) {
    List<String> out = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = segmentHolders.prefixScan(segmentId + TrackerStores.SEP,
        new StringSerializer())) {
      while (it.hasNext()) {
        out.add(TrackerStores.second(it.next().key));
      }
    }
    return out;
  }

  /**
   * A peer as JSON: {@code {"peerId","region","baseUrl","uploadSlots","activeUploads","load",
   * "meanRttMs","lastHeartbeatTs","lastSeenMs","heldSegments","cachedSegments","cachedBytes",
   * "uploadedBytes","downloadedBytes"}} (ms since epoch, bytes).
   */
  public static JsonObject peerJson(PeerState s) {
    return new JsonObject().put("peerId", s.peerId()).put("region", s.region()).put("baseUrl", s.baseUrl())
        .put("uploadSlots", s.uploadSlots()).put("activeUploads", s.activeUploads()).put("load", s.load())
        .put("meanRttMs", s.meanRttMs()).put("lastHeartbeatTs", s.lastEventTs()).put("lastSeenMs", s.lastSeenMs())
        .put("heldSegments", s.heldSegments()).put("cachedSegments", s.cachedSegments())
        .put("cachedBytes", s.cachedBytes()).put("uploadedBytes", s.uploadedBytes())
        .put("downloadedBytes", s.downloadedBytes());
  }

  /** Announced peers of the local partitions, as {@link #peerJson}. */
  public static JsonArray peers(ReadOnlyKeyValueStore<String, PeerState> peers) {
    JsonArray out = new JsonArray();
    try (KeyValueIterator<String, PeerState> it = peers.all()) {
      while (it.hasNext()) {
        PeerState s = it.next().value;
        if (s.announced()) {
          out.add(peerJson(s));
        }
      }
    }
    return out;
  }

  /**
   * One peer with its load windows and neighbour RTTs: {@link #peerJson} plus
   * {@code "links":{peerId: rttMs}} and {@code "loadWindows":[{"start","end","heartbeats","uploadedBytes"}]}
   * (the last {@code windows} tumbling windows up to {@code nowMs}) and, with signed events, {@code "token"}
   * (its admission token, as lookups give a holder's); null when unknown or pending.
   */
  public static JsonObject peer(ReadOnlyKeyValueStore<String, PeerState> peers,
      ReadOnlyWindowStore<String, LoadWindow> loadWindows, String peerId, long windowMs, int windows, long nowMs) {
    PeerState s = peers.get(peerId);
    if (s == null || !s.announced()) {
      return null;
    }
    JsonObject links = new JsonObject();
    s.links().forEach(links::put);
    JsonArray ws = new JsonArray();
    long from = Math.floorDiv(nowMs, windowMs) * windowMs - (windows - 1) * windowMs;
    for (KeyValue<Long, LoadWindow> w : PeerProcessor.windows(loadWindows, peerId, from, nowMs)) {
      ws.add(new JsonObject().put("start", w.key).put("end", w.key + windowMs)
          .put("heartbeats", w.value.heartbeats()).put("uploadedBytes", w.value.uploadedBytes()));
    }
    JsonObject out = peerJson(s).put("links", links).put("loadWindows", ws);
    if (s.admissionToken() != null) {
      // As in lookups: a peer resolving a relay on a topology path by id checks the URL this token binds (issue 15, 16).
      out.put("token", s.admissionToken());
    }
    return out;
  }

  /** Segment id -> holder count of the local partitions. */
  public static Map<String, Integer> holderCounts(ReadOnlyKeyValueStore<String, Integer> counts) {
    return holderCounts(counts, "");
  }

  /** Segment id -> holder count of the local partitions, of the ids starting with {@code prefix} ({@code "<songId>/"}). */
  public static Map<String, Integer> holderCounts(ReadOnlyKeyValueStore<String, Integer> counts, String prefix) {
    Map<String, Integer> out = new TreeMap<>();
    try (KeyValueIterator<String, Integer> it = prefix.isEmpty() ? counts.all()
        : counts.prefixScan(prefix, new StringSerializer())) {
      while (it.hasNext()) {
        var kv = it.next();
        out.put(kv.key, kv.value);
      }
    }
    return out;
  }

  /**
   * The swarm's content, grouped by song: {@code {"songs":[{"songId","segmentCount","holders",
   * "segments":[{"segmentId","holders"}]}],"segmentCount"}}, songs and segments sorted by id.
   */
  public static JsonObject content(Map<String, Integer> holderCounts) {
    Map<String, JsonObject> songs = new TreeMap<>();
    TreeMap<String, Integer> sorted = new TreeMap<>(holderCounts);
    for (var e : sorted.entrySet()) {
      String songId = e.getKey().substring(0, e.getKey().indexOf('/'));
      JsonObject song = songs.computeIfAbsent(songId, id -> new JsonObject().put("songId", id)
          .put("segmentCount", 0).put("holders", 0).put("segments", new JsonArray()));
      song.put("segmentCount", song.getInteger("segmentCount") + 1);
      song.put("holders", song.getInteger("holders") + e.getValue());
      song.getJsonArray("segments").add(new JsonObject().put("segmentId", e.getKey()).put("holders", e.getValue()));
    }
    return new JsonObject().put("songs", new JsonArray(new ArrayList<>(songs.values())))
        .put("segmentCount", sorted.size());
  }

  /**
   * The {@code limit} songs with the most holdings (holders summed over their segments), most first, ties
   * by song id: {@code {"songs":[{"songId","holders","renditions":{rendition: holders}}]}}.
   *
   * @param holderCounts segment id ({@code song/rendition/file}) -> live holders
   */
  public static JsonObject popular(Map<String, Integer> holderCounts, int limit) {
    Map<String, Map<String, Integer>> bySong = new TreeMap<>();
    holderCounts.forEach((segmentId, holders) -> {
      int song = segmentId.indexOf('/');
      int rendition = segmentId.indexOf('/', song + 1);
      if (song > 0 && rendition > song) {
        bySong.computeIfAbsent(segmentId.substring(0, song), k -> new TreeMap<>())
            .merge(segmentId.substring(song + 1, rendition), holders, Integer::sum);
      }
    });
    List<JsonObject> songs = new ArrayList<>();
    bySong.forEach((songId, renditions) -> songs.add(new JsonObject().put("songId", songId)
        .put("holders", renditions.values().stream().mapToInt(Integer::intValue).sum())
        .put("renditions", new JsonObject(new LinkedHashMap<>(renditions)))));
    songs.sort(Comparator.comparingInt((JsonObject o) -> -o.getInteger("holders"))
        .thenComparing(o -> o.getString("songId")));
    return new JsonObject().put("songs",
        new JsonArray(new ArrayList<>(songs.subList(0, Math.min(limit, songs.size())))));
  }
}
