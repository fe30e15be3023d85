package dev.hybridcdn.ops.swarm;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of HLS playlists (RFC 8216) a player needs: the variant streams of a master playlist
 * and the segments of a media playlist, with URIs resolved against the playlist's own URL.
 */
public final class HlsPlaylist {
  /**
   * One variant of a master playlist.
   *
   * @param uri absolute URL of the media playlist
   * @param bandwidth {@code BANDWIDTH} attribute, bits per second (0 when absent)
   */
  public record Variant(String uri, long bandwidth) {}

  /**
   * One media segment.
   *
   * @param uri absolute URL
   * @param durationMs {@code #EXTINF} duration, ms
   */
  public record Segment(String uri, long durationMs) {}

  private HlsPlaylist() {}

  /**
   * Variants of a master playlist, in playlist order.
   *
   * @param playlistUrl where the playlist was fetched (relative URIs resolve against it)
   * @throws IllegalArgumentException when the text is not an extended M3U playlist or has no variant
   */
  public static List<Variant> variants(String playlistUrl, String text) {
    List<Variant> out = new ArrayList<>();
    long bandwidth = 0;
    boolean inf = false;
    for (String line : lines(text)) {
      if (line.startsWith("#EXT-X-STREAM-INF:")) {
        bandwidth = attribute(line, "BANDWIDTH");
        inf = true;
      } else if (!line.startsWith("#") && inf) {
        out.add(new Variant(resolve(playlistUrl, line), bandwidth));
        inf = false;
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("master playlist at " + playlistUrl + " has no #EXT-X-STREAM-INF variant");
    }
    return out;
  }

  /**
   * Segments of a media playlist, in order.
   *
   * @throws IllegalArgumentException when the text is not an extended M3U playlist or has no segment
   */
  public static List<Segment> segments(String playlistUrl, String text) {
    List<Segment> out = new ArrayList<>();
    long durationMs = -1;
    for (String line : lines(text)) {
      if (line.startsWith("#EXTINF:")) {
        String v = line.substring("#EXTINF:".length());
        int comma = v.indexOf(',');
        durationMs = Math.round(Double.parseDouble(comma < 0 ? v : v.substring(0, comma)) * 1000);
      } else if (!line.startsWith("#") && durationMs >= 0) {
        out.add(new Segment(resolve(playlistUrl, line), durationMs));
        durationMs = -1;
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("media playlist at " + playlistUrl + " has no #EXTINF segment");
    }
    return out;
  }

  private static List<String> lines(String text) {
    List<String> lines = new ArrayList<>();
    for (String l : text.split("\r?\n")) {
      if (!l.isBlank()) {
        lines.add(l.strip());
      }
    }
    if (lines.isEmpty() || !lines.get(0).equals("#EXTM3U")) {
      throw new IllegalArgumentException("not an extended M3U playlist (first line is not #EXTM3U)");
    }
    return lines;
  }

  private static long attribute(String line, String name) {
    for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).strip().equals(name)) {
        try {
          return Long.parseLong(part.substring(eq + 1).strip());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** {@code ref} resolved against {@code base} (RFC 3986). */
  static String resolve(String base, String ref) {
    return URI.create(base).resolve(ref).toString();
  }
}
