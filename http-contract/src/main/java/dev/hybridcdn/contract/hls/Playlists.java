package dev.hybridcdn.contract.hls;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import io.lindstrom.m3u8.model.MasterPlaylist;
import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.Variant;
import io.lindstrom.m3u8.parser.MasterPlaylistParser;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.ParsingMode;
import java.net.URI;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * HLS playlists (RFC 8216) of hybrid-cdn, read and written with {@code io.lindstrom:m3u8-parser}:
 * <ul>
 *   <li>the origin writes the master playlist from the manifest ({@link #master}) and stores each
 *       media playlist as FFmpeg wrote it with segment URIs made absolute paths
 *       ({@link #withAbsoluteSegmentPaths});</li>
 *   <li>a peer serves playlists from edges with every segment URI pointing back at itself
 *       ({@link #pointSegmentsAtServer});</li>
 *   <li>players (the swarm simulation) list variants with bitrates and segments with durations
 *       ({@link #variants}, {@link #segments}).</li>
 * </ul>
 * Parsing is lenient about tags the library does not know (future tags pass). URI rewriting
 * changes only URI lines (RFC 8216 section 4.1: a line not starting with {@code #}) and keeps every
 * other byte, so what a server passes on is what its upstream wrote.
 */
public final class Playlists {
  private static final MediaPlaylistParser MEDIA = new MediaPlaylistParser(ParsingMode.LENIENT);
  private static final MasterPlaylistParser MASTER = new MasterPlaylistParser(ParsingMode.LENIENT);

  /**
   * One variant of a master playlist.
   *
   * @param uri URI of the media playlist (as written, or resolved when a playlist URL was given)
   * @param bandwidth {@code BANDWIDTH}, bit/s
   */
  public record VariantEntry(String uri, long bandwidth) {}

  /**
   * One segment of a media playlist.
   *
   * @param uri segment URI (as written, or resolved when a playlist URL was given)
   * @param durationMs {@code #EXTINF} duration rounded to ms
   */
  public record SegmentEntry(String uri, long durationMs) {}

  private Playlists() {}

  /**
   * Parses a media playlist.
   *
   * @throws IllegalArgumentException when the text is not an HLS media playlist (no {@code #EXTM3U},
   *     a URI without {@code #EXTINF}, a duration that is not a number, no target duration)
   */
  public static MediaPlaylist parseMedia(String text) {
    try {
      return MEDIA.readPlaylist(normalised(text));
    } catch (Exception e) {
      throw new IllegalArgumentException("not an HLS media playlist: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a master playlist.
   *
   * @throws IllegalArgumentException when the text is not an HLS master playlist
   */
  public static MasterPlaylist parseMaster(String text) {
    try {
      return MASTER.readPlaylist(normalised(text));
    } catch (Exception e) {
      throw new IllegalArgumentException("not an HLS master playlist: " + e.getMessage(), e);
    }
  }

  /** Segments of a media playlist, in order, URIs as written. */
  public static List<SegmentEntry> segments(String text) {
    return parseMedia(text).mediaSegments().stream()
        .map(s -> new SegmentEntry(s.uri(), Math.round(s.duration() * 1000.0))).toList();
  }

  /**
   * Segments of a media playlist fetched from {@code playlistUrl}, URIs resolved against it (RFC 3986).
   *
   * @throws IllegalArgumentException when the text is not a media playlist or has no segment
   */
  public static List<SegmentEntry> segments(String playlistUrl, String text) {
    List<SegmentEntry> out = segments(text).stream()
        .map(s -> new SegmentEntry(resolve(playlistUrl, s.uri()), s.durationMs())).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("media playlist at " + playlistUrl + " has no #EXTINF segment");
    }
    return out;
  }

  /** Variants of a master playlist, in order, URIs as written. */
  public static List<VariantEntry> variants(String text) {
    return parseMaster(text).variants().stream().map(v -> new VariantEntry(v.uri(), v.bandwidth())).toList();
  }

  /**
   * Variants of a master playlist fetched from {@code playlistUrl}, URIs resolved against it.
   *
   * @throws IllegalArgumentException when the text is not a master playlist or has no variant
   */
  public static List<VariantEntry> variants(String playlistUrl, String text) {
    List<VariantEntry> out = variants(text).stream()
        .map(v -> new VariantEntry(resolve(playlistUrl, v.uri()), v.bandwidth())).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("master playlist at " + playlistUrl + " has no #EXT-X-STREAM-INF variant");
    }
    return out;
  }

  /**
   * The master playlist of a song (RFC 8216 section 4.3.4.2): version 3, independent segments, one
   * variant per rendition in manifest order with the relative URI {@code <rendition>/playlist.m3u8};
   * {@code BANDWIDTH} is the larger of the peak segment and the mean bit rate,
   * {@code AVERAGE-BANDWIDTH} the mean, both measured from the stored segments in bit/s
   * ({@link Manifest.Rendition#peakBandwidth()}, {@link Manifest.Rendition#averageBandwidth()}).
   */
  public static String master(Manifest manifest) {
    MasterPlaylist.Builder master = MasterPlaylist.builder().version(3).independentSegments(true);
    for (Manifest.Rendition r : manifest.renditions()) {
      long average = r.averageBandwidth();
      master.addVariants(Variant.builder().bandwidth(Math.max(r.peakBandwidth(), average)).averageBandwidth(average)
          .addCodecs(r.codec()).uri(CdnPaths.mediaPlaylistFromMaster(r.name())).build());
    }
    return MASTER.writePlaylistAsString(master.build());
  }

  /**
   * A media playlist as the origin stores and serves it: FFmpeg's text with every segment URI
   * replaced by {@code /segments/<songId>/<rendition>/<file>} (file name taken after the last
   * slash), so players come back to the server they got the playlist from. Every other line is
   * kept; lines end with {@code \n}.
   *
   * @throws IllegalArgumentException when the text is not an HLS media playlist
   */
  public static String withAbsoluteSegmentPaths(String text, String songId, String rendition) {
    String normalised = normalised(text);
    parseMedia(normalised);
    return mapSegmentUris(normalised,
        uri -> CdnPaths.segment(songId, rendition, uri.substring(uri.lastIndexOf('/') + 1)));
  }

  /**
   * Makes every segment URI of a playlist from upstream an absolute path on this server:
   * {@code http://edge/segments/x} becomes {@code /segments/x}; a bare file name in a media playlist
   * ({@code rendition} not null) becomes {@code /segments/<songId>/<rendition>/<file>}. Tags,
   * comments, absolute paths and relative playlist URIs ({@code *.m3u8}) stay as they are.
   *
   * @param rendition null for a master playlist
   */
  public static String pointSegmentsAtServer(String text, String songId, String rendition) {
    return mapSegmentUris(text, uri -> {
      int at = uri.indexOf(CdnPaths.SEGMENTS_PREFIX);
      if ((uri.startsWith("http://") || uri.startsWith("https://")) && at >= 0) {
        return uri.substring(at);
      }
      if (rendition != null && !uri.startsWith("/") && !uri.contains("://") && !uri.endsWith(".m3u8")) {
        return CdnPaths.segment(songId, rendition, uri);
      }
      return uri;
    });
  }

  /**
   * The text with {@code map} applied to every URI line (stripped of surrounding blanks); tags,
   * comments, blank lines and line structure unchanged, line breaks normalised to {@code \n}.
   */
  public static String mapSegmentUris(String text, UnaryOperator<String> map) {
    String[] lines = text.split("\r?\n", -1);
    StringBuilder out = new StringBuilder(text.length() + 64 * lines.length / 2);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String uri = line.strip();
      out.append(uri.isEmpty() || uri.startsWith("#") ? line : map.apply(uri));
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * Each line stripped of surrounding blanks and ended with {@code \n}: what the parser reads (it
   * knows neither CRLF nor trailing blanks) and the form the origin has stored since its first ingest.
   */
  private static String normalised(String text) {
    return text.lines().map(String::strip).collect(Collectors.joining("\n", "", "\n"));
  }

  /** {@code ref} resolved against {@code base} (RFC 3986). */
  public static String resolve(String base, String ref) {
    return URI.create(base).resolve(ref).toString();
  }
}
