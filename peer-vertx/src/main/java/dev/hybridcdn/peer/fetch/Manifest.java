package dev.hybridcdn.peer.fetch;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A song's manifest as served by origin and edges at {@code GET /songs/{songId}} (README, "HTTP
 * shapes"): every segment's id, index, length in bytes and SHA-256. The peer checks every byte it
 * gets from another peer against it.
 */
public final class Manifest {
  /**
   * @param segmentId {@code <songId>/<rendition>/<file>}
   * @param index 0-based position in its rendition
   * @param bytes length in bytes (0 when the manifest did not say)
   * @param sha256 lower-case hex
   */
  public record SegmentInfo(String segmentId, String rendition, int index, long bytes, String sha256) {}

  private final String songId;
  private final Map<String, SegmentInfo> bySegment;
  private final Map<String, List<SegmentInfo>> byRendition;

  private Manifest(String songId, Map<String, SegmentInfo> bySegment, Map<String, List<SegmentInfo>> byRendition) {
    this.songId = songId;
    this.bySegment = bySegment;
    this.byRendition = byRendition;
  }

  /**
   * Parses the manifest JSON.
   *
   * @throws IllegalArgumentException when a field is missing or has the wrong type
   */
  public static Manifest parse(JsonObject json) {
    try {
      String songId = json.getString("songId");
      Map<String, SegmentInfo> bySegment = new HashMap<>();
      Map<String, List<SegmentInfo>> byRendition = new HashMap<>();
      JsonArray renditions = json.getJsonArray("renditions");
      for (int r = 0; r < renditions.size(); r++) {
        JsonObject rendition = renditions.getJsonObject(r);
        String name = rendition.getString("name");
        List<SegmentInfo> list = new ArrayList<>();
        JsonArray segments = rendition.getJsonArray("segments");
        for (int s = 0; s < segments.size(); s++) {
          JsonObject seg = segments.getJsonObject(s);
          Number bytes = seg.getNumber("bytes");
          SegmentInfo info = new SegmentInfo(seg.getString("segmentId"), name, seg.getInteger("index", s),
              bytes == null ? 0 : bytes.longValue(), seg.getString("sha256").toLowerCase());
          list.add(info);
          bySegment.put(info.segmentId(), info);
        }
        list.sort(Comparator.comparingInt(SegmentInfo::index));
        byRendition.put(name, List.copyOf(list));
      }
      if (songId == null) {
        throw new IllegalArgumentException("manifest without songId");
      }
      return new Manifest(songId, Map.copyOf(bySegment), Map.copyOf(byRendition));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a manifest: " + e.getMessage(), e);
    }
  }

  public String songId() {
    return songId;
  }

  /** The segment's entry, or null when this song has no such segment. */
  public SegmentInfo segment(String segmentId) {
    return bySegment.get(segmentId);
  }

  /** Up to {@code k} segments following {@code segmentId} in its rendition (read-ahead). */
  public List<SegmentInfo> following(String segmentId, int k) {
    SegmentInfo info = bySegment.get(segmentId);
    if (info == null || k <= 0) {
      return List.of();
    }
    List<SegmentInfo> list = byRendition.getOrDefault(info.rendition(), List.of());
    int pos = list.indexOf(info);
    return pos < 0 ? List.of() : list.subList(pos + 1, Math.min(list.size(), pos + 1 + k));
  }

  public int segmentCount() {
    return bySegment.size();
  }
}
