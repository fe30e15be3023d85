package dev.hybridcdn.origin.manifest;

import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The manifest of one song: every rendition with every segment's hash. Same fields as the
 * {@code SongPublished} event; JSON shape of {@code GET /songs/{songId}} (README, "HTTP shapes"):
 * {@code {"songId","title","durationMs","renditions":[{"name","bitrateKbps","codec","playlist",
 * "segments":[{"segmentId","index","durationMs","bytes","sha256"}]}]}}.
 *
 * @param songId song id
 * @param title title (may be empty, never null)
 * @param durationMs duration of the source audio in ms (ffprobe's format duration)
 * @param renditions renditions in ladder order (lowest bitrate first as configured)
 */
public record Manifest(String songId, String title, long durationMs, List<Rendition> renditions) {
  /** RFC 6381 codec string of AAC-LC, the codec of every rendition. */
  public static final String AAC_LC = "mp4a.40.2";

  public Manifest {
    renditions = List.copyOf(renditions);
  }

  /**
   * @param name rendition name, e.g. {@code 128k}
   * @param bitrateKbps target AAC bitrate in kb/s
   * @param codec RFC 6381 codec string
   * @param segments segments in playback order, index 0 first
   */
  public record Rendition(String name, int bitrateKbps, String codec, List<Segment> segments) {
    public Rendition {
      segments = List.copyOf(segments);
    }

    /** Sum of segment durations in ms. */
    public long durationMs() {
      return segments.stream().mapToLong(Segment::durationMs).sum();
    }

    /** Sum of segment sizes in bytes. */
    public long bytes() {
      return segments.stream().mapToLong(Segment::bytes).sum();
    }
  }

  /**
   * @param segmentId {@code <songId>/<rendition>/segNNNNN.ts}
   * @param index position in the media playlist, from 0
   * @param durationMs duration from the playlist's {@code #EXTINF}, rounded to ms
   * @param bytes size in bytes
   * @param sha256 SHA-256 of the bytes, lower-case hex
   */
  public record Segment(String segmentId, int index, long durationMs, long bytes, String sha256) {}

  /** Path of a rendition's media playlist, e.g. {@code /hls/demo/128k/playlist.m3u8}. */
  public static String playlistPath(String songId, String rendition) {
    return "/hls/" + songId + "/" + rendition + "/playlist.m3u8";
  }

  public Rendition rendition(String name) {
    return renditions.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  public JsonObject toJson() {
    JsonArray rs = new JsonArray();
    for (Rendition r : renditions) {
      JsonArray segs = new JsonArray();
      for (Segment s : r.segments()) {
        segs.add(new JsonObject().put("segmentId", s.segmentId()).put("index", s.index())
            .put("durationMs", s.durationMs()).put("bytes", s.bytes()).put("sha256", s.sha256()));
      }
      rs.add(new JsonObject().put("name", r.name()).put("bitrateKbps", r.bitrateKbps()).put("codec", r.codec())
          .put("playlist", playlistPath(songId, r.name())).put("segments", segs));
    }
    return new JsonObject().put("songId", songId).put("title", title).put("durationMs", durationMs)
        .put("renditions", rs);
  }

  /** The catalog event announcing this manifest. */
  public SongPublished toSongPublished(long tsMillis) {
    List<RenditionInfo> infos = renditions.stream().map(r -> RenditionInfo.newBuilder().setName(r.name())
        .setBitrateKbps(r.bitrateKbps()).setCodec(r.codec())
        .setSegments(r.segments().stream().map(s -> SegmentInfo.newBuilder().setSegmentId(s.segmentId())
            .setIndex(s.index()).setDurationMs(s.durationMs()).setBytes(s.bytes()).setSha256(s.sha256()).build())
            .toList())
        .build()).toList();
    return SongPublished.newBuilder().setSongId(songId).setTitle(title).setDurationMs(durationMs)
        .setRenditions(infos).setTs(tsMillis).build();
  }
}
