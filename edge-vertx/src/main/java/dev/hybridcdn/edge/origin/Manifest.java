package dev.hybridcdn.edge.origin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * What the edge needs from a song's manifest ({@code GET /songs/{songId}}, README "HTTP shapes"):
 * for each segment id, its size and SHA-256, against which origin bytes are checked.
 */
public final class Manifest {
  /**
   * @param bytes segment size in bytes as published
   * @param sha256 64 lowercase hex characters
   */
  public record SegmentInfo(String segmentId, long bytes, String sha256) {}

  private final String songId;
  private final Map<String, SegmentInfo> segments;

  private Manifest(String songId, Map<String, SegmentInfo> segments) {
    this.songId = songId;
    this.segments = Map.copyOf(segments);
  }

  /**
   * Parses the manifest JSON
   * {@code {"songId", "renditions": [{"name", "segments": [{"segmentId", "bytes", "sha256"}]}]}}.
   *
   * @throws IllegalArgumentException when a field is missing or of the wrong type
   */
  public static Manifest parse(JsonObject json) {
    try {
      String songId = json.getString("songId");
      Map<String, SegmentInfo> segments = new HashMap<>();
      JsonArray renditions = json.getJsonArray("renditions", new JsonArray());
      for (int i = 0; i < renditions.size(); i++) {
        JsonArray segs = renditions.getJsonObject(i).getJsonArray("segments", new JsonArray());
        for (int j = 0; j < segs.size(); j++) {
          JsonObject s = segs.getJsonObject(j);
          String id = s.getString("segmentId");
          String sha = s.getString("sha256");
          Number bytes = s.getNumber("bytes");
          if (id == null || sha == null || bytes == null) {
            throw new IllegalArgumentException("segment without segmentId, bytes or sha256 in " + songId);
          }
          segments.put(id, new SegmentInfo(id, bytes.longValue(), sha.toLowerCase()));
        }
      }
      if (songId == null) {
        throw new IllegalArgumentException("manifest without songId");
      }
      return new Manifest(songId, segments);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("malformed manifest: " + e.getMessage(), e);
    }
  }

  public String songId() {
    return songId;
  }

  /** The segment's published size and hash, or null when the song has no such segment. */
  public SegmentInfo segment(String segmentId) {
    return segments.get(segmentId);
  }

  public int segmentCount() {
    return segments.size();
  }
}
