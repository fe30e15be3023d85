package dev.hybridcdn.ops.chaos;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code reingest} scenario's record: the re-ingested song's manifests before and after (segment
 * id -> SHA-256), and when the new one was in place (epoch ms).
 */
record Reingest(String songId, Map<String, String> oldHashes, Map<String, String> newHashes, long doneMs) {
  /**
   * Segment answers of the re-ingested song whose bytes differ from the manifest the player holds:
   * the old one for a song whose master playlist it loaded before the re-ingest was done, the new
   * one after.
   */
  long stale(List<PlayerRequest> requests) {
    Map<Integer, List<PlayerRequest>> byPlayer = new HashMap<>();
    requests.forEach(q -> byPlayer.computeIfAbsent(q.player(), k -> new ArrayList<>()).add(q));
    String prefix = "/hls/" + songId + "/";
    long stale = 0;
    for (List<PlayerRequest> list : byPlayer.values()) {
      list.sort(Comparator.comparingLong(PlayerRequest::ts));
      Map<String, String> holds = null;
      for (PlayerRequest q : list) {
        if (q.kind() == PlayerRequest.Kind.MASTER) {
          holds = q.url().contains(prefix) ? (q.ts() < doneMs ? oldHashes : newHashes) : null;
        } else if (q.kind() == PlayerRequest.Kind.SEGMENT && holds != null && q.sha256() != null) {
          String id = CdnPaths.segmentIdOf(URI.create(q.url()).getPath());
          if (!q.sha256().equals(holds.get(id))) {
            stale++;
          }
        }
      }
    }
    return stale;
  }

  /** Segment id -> SHA-256 of a manifest document ({@code GET /songs/{id}}). */
  static Map<String, String> hashes(String manifestJson) {
    Manifest m = ManifestJson.parse(manifestJson);
    Map<String, String> out = new HashMap<>();
    m.renditions().forEach(r -> r.segments().forEach(seg -> out.put(seg.segmentId(), seg.sha256())));
    return out;
  }
}
