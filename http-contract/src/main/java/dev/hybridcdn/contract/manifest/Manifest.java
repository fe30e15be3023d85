package dev.hybridcdn.contract.manifest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The manifest of one song, as served at {@code GET /songs/{songId}} by origin and edges and read
 * by edges and peers to check every byte they get: every rendition with every segment's size and
 * SHA-256. Same fields as the {@code SongPublished} event. JSON in {@link ManifestJson}.
 *
 * <p>Immutable; lookups by segment id are O(1).
 */
public final class Manifest {
  /** RFC 6381 codec string of AAC-LC, the codec of every rendition the origin writes. */
  public static final String AAC_LC = "mp4a.40.2";
  /**
   * Codec of a shared file's one rendition ({@code cdn share}, issue 14): its pieces are bytes, not media a
   * player plays.
   */
  public static final String FILE_CODEC = "application/octet-stream";

  /**
   * One rendition of the ladder.
   *
   * @param name rendition name {@code <kbps>k}, e.g. {@code 128k}
   * @param bitrateKbps target bitrate in kb/s
   * @param codec RFC 6381 codec string, e.g. {@link #AAC_LC}
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

    /**
     * Mean bit rate over the rendition in bit/s ({@code bytes * 8000 / durationMs}), measured from
     * the stored segments; the peak ({@link #peakBandwidth()}) when the duration is 0.
     */
    public long averageBandwidth() {
      long ms = durationMs();
      return ms > 0 ? bytes() * 8_000 / ms : peakBandwidth();
    }

    /** Highest bit rate of one segment in bit/s (segments of 0 ms left out), 0 without segments. */
    public long peakBandwidth() {
      long peak = 0;
      for (Segment s : segments) {
        if (s.durationMs() > 0) {
          peak = Math.max(peak, s.bytes() * 8_000 / s.durationMs());
        }
      }
      return peak;
    }
  }

  /**
   * One segment.
   *
   * @param segmentId {@code <songId>/<rendition>/<file>}, e.g. {@code demo/128k/seg00003.ts}
   * @param index position in the rendition's media playlist, from 0
   * @param durationMs duration from the playlist's {@code #EXTINF}, rounded to ms
   * @param bytes size in bytes
   * @param sha256 SHA-256 of the bytes, 64 lower-case hex characters
   * @param chunks the segment cut into fixed-size chunks with a SHA-256 each (issue 14), or null for
   *     a manifest written before chunks: such a segment is fetched and checked whole
   */
  public record Segment(String segmentId, int index, long durationMs, long bytes, String sha256, Chunks chunks) {
    /** A segment without chunk hashes (fetched and checked whole). */
    public Segment(String segmentId, int index, long durationMs, long bytes, String sha256) {
      this(segmentId, index, durationMs, bytes, sha256, null);
    }

    public Segment {
      if (chunks != null && chunks.count() != Chunks.countFor(bytes, chunks.chunkBytes())) {
        throw new IllegalArgumentException(segmentId + ": " + chunks.count() + " chunk hashes for " + bytes
            + " bytes in chunks of " + chunks.chunkBytes());
      }
    }

    /** The same segment with chunk hashes (null: none). */
    public Segment withChunks(Chunks c) {
      return new Segment(segmentId, index, durationMs, bytes, sha256, c);
    }

    /** The rendition part of the segment id ({@code 128k} of {@code demo/128k/seg00003.ts}). */
    public String rendition() {
      int first = segmentId.indexOf('/');
      int second = segmentId.indexOf('/', first + 1);
      return first < 0 || second < 0 ? "" : segmentId.substring(first + 1, second);
    }
  }

  /**
   * A segment cut into chunks of {@code chunkBytes} (the last one shorter), each with its SHA-256,
   * like BitTorrent's piece hashes: a peer downloading chunks from several holders checks every chunk
   * on arrival, so a bad chunk names its sender. The whole-segment SHA-256 stays the final check.
   *
   * @param chunkBytes chunk size in bytes ({@link #DEFAULT_CHUNK_BYTES} at the origin), at least 1
   * @param sha256 lower-case hex SHA-256 of each chunk, in byte order
   */
  public record Chunks(int chunkBytes, List<String> sha256) {
    /** Chunk size the origin writes: 64 KiB (a 160 KB segment is 3 chunks, 1 MB is 16). */
    public static final int DEFAULT_CHUNK_BYTES = 64 * 1024;

    public Chunks {
      if (chunkBytes < 1) {
        throw new IllegalArgumentException("chunkBytes must be at least 1: " + chunkBytes);
      }
      sha256 = List.copyOf(sha256);
    }

    /** Number of chunks. */
    public int count() {
      return sha256.size();
    }

    /** First byte of chunk {@code i}. */
    public long offset(int i) {
      return (long) i * chunkBytes;
    }

    /** Length in bytes of chunk {@code i} of a segment of {@code segmentBytes}. */
    public int length(int i, long segmentBytes) {
      return (int) Math.min(chunkBytes, segmentBytes - offset(i));
    }

    /** Chunks of {@code chunkBytes} in {@code bytes} bytes: ceil(bytes / chunkBytes). */
    public static int countFor(long bytes, int chunkBytes) {
      return (int) ((bytes + chunkBytes - 1) / chunkBytes);
    }

    /** The chunk hashes of {@code data}. */
    public static Chunks of(byte[] data, int chunkBytes) {
      List<String> hashes = new ArrayList<>();
      try {
        for (int off = 0; off < data.length; off += chunkBytes) {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          md.update(data, off, Math.min(chunkBytes, data.length - off));
          hashes.add(HexFormat.of().formatHex(md.digest()));
        }
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("no SHA-256 in this JVM", e);
      }
      return new Chunks(chunkBytes, hashes);
    }
  }

  private final String songId;
  private final String title;
  private final long durationMs;
  private final long version;
  private final List<Rendition> renditions;
  private final Map<String, Segment> bySegmentId = new HashMap<>();

  /**
   * @param songId song id
   * @param title title (may be empty, never null)
   * @param durationMs duration of the source audio in ms (ffprobe's format duration)
   * @param renditions renditions in ladder order (lowest bitrate first as configured)
   */
  public Manifest(String songId, String title, long durationMs, List<Rendition> renditions) {
    this(songId, title, durationMs, 0, renditions);
  }

  /**
   * @param version content version at the origin: 1 for the first ingest, +1 per re-ingest; 0 when
   *     unknown (a manifest written before versions, issue 12)
   */
  public Manifest(String songId, String title, long durationMs, long version, List<Rendition> renditions) {
    if (version < 0) {
      throw new IllegalArgumentException("version must be 0 or more: " + version);
    }
    this.songId = Objects.requireNonNull(songId, "songId");
    this.title = title == null ? "" : title;
    this.durationMs = durationMs;
    this.version = version;
    this.renditions = List.copyOf(renditions);
    for (Rendition r : this.renditions) {
      for (Segment s : r.segments()) {
        bySegmentId.put(s.segmentId(), s);
      }
    }
  }

  public String songId() {
    return songId;
  }

  public String title() {
    return title;
  }

  public long durationMs() {
    return durationMs;
  }

  /** Content version at the origin (1, 2, ...; 0 = unknown); a re-ingest makes a higher one. */
  public long version() {
    return version;
  }

  /** The same manifest as content version {@code v}. */
  public Manifest withVersion(long v) {
    return new Manifest(songId, title, durationMs, v, renditions);
  }

  public List<Rendition> renditions() {
    return renditions;
  }

  /** The rendition called {@code name}, or null. */
  public Rendition rendition(String name) {
    return renditions.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  /** The segment's entry (size, hash, position), or null when this song has no such segment. */
  public Segment segment(String segmentId) {
    return bySegmentId.get(segmentId);
  }

  /** Number of segments over every rendition. */
  public int segmentCount() {
    return bySegmentId.size();
  }

  /** Up to {@code k} segments following {@code segmentId} in its rendition, in order (read-ahead). */
  public List<Segment> following(String segmentId, int k) {
    Segment s = bySegmentId.get(segmentId);
    Rendition r = s == null ? null : rendition(s.rendition());
    if (r == null || k <= 0) {
      return List.of();
    }
    List<Segment> list = r.segments();
    int pos = list.indexOf(s);
    return pos < 0 ? List.of() : list.subList(pos + 1, Math.min(list.size(), pos + 1 + k));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m && songId.equals(m.songId) && title.equals(m.title)
        && durationMs == m.durationMs && version == m.version && renditions.equals(m.renditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(songId, title, durationMs, version, renditions);
  }

  @Override
  public String toString() {
    return "Manifest[" + songId + " v" + version + ", " + renditions.size() + " renditions, " + segmentCount() + " segments]";
  }
}
