package dev.hybridcdn.origin.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * A VOD media playlist as FFmpeg's HLS muxer writes it (RFC 8216): segment entries with their
 * {@code #EXTINF} duration, and the text rewritten so segment URIs are the absolute paths every
 * server of hybrid-cdn answers ({@code /segments/<songId>/<rendition>/<file>}).
 */
public final class MediaPlaylist {
  /**
   * One segment line.
   *
   * @param file the URI as FFmpeg wrote it (a file name such as {@code seg00000.ts})
   * @param durationMs {@code #EXTINF} seconds, rounded to ms
   */
  public record Entry(String file, long durationMs) {}

  private final List<String> lines;
  private final List<Entry> entries;

  private MediaPlaylist(List<String> lines, List<Entry> entries) {
    this.lines = lines;
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses playlist text.
   *
   * @throws IllegalArgumentException when it is not an HLS playlist, a URI has no {@code #EXTINF},
   *     or a duration is not a number
   */
  public static MediaPlaylist parse(String text) {
    List<String> lines = text.lines().map(String::strip).toList();
    if (lines.isEmpty() || !lines.get(0).equals("#EXTM3U")) {
      throw new IllegalArgumentException("not an HLS playlist (no #EXTM3U)");
    }
    List<Entry> entries = new ArrayList<>();
    Long pending = null;
    for (String line : lines) {
      if (line.startsWith("#EXTINF:")) {
        String value = line.substring("#EXTINF:".length());
        int comma = value.indexOf(',');
        String seconds = comma >= 0 ? value.substring(0, comma) : value;
        try {
          pending = Math.round(Double.parseDouble(seconds) * 1000.0);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad #EXTINF duration: " + line);
        }
      } else if (!line.isEmpty() && !line.startsWith("#")) {
        if (pending == null) {
          throw new IllegalArgumentException("segment URI without #EXTINF: " + line);
        }
        entries.add(new Entry(line, pending));
        pending = null;
      }
    }
    return new MediaPlaylist(lines, entries);
  }

  public List<Entry> entries() {
    return entries;
  }

  /**
   * The playlist text with every segment URI replaced by {@code /segments/<songId>/<rendition>/<file>}
   * (file name taken after the last slash); tags unchanged; lines end with {@code \n}.
   */
  public String withAbsoluteSegmentPaths(String songId, String rendition) {
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        String file = line.substring(line.lastIndexOf('/') + 1);
        out.append("/segments/").append(songId).append('/').append(rendition).append('/').append(file);
      } else {
        out.append(line);
      }
      out.append('\n');
    }
    return out.toString();
  }
}
