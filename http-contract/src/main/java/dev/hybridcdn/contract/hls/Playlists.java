package dev.hybridcdn.contract.hls;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import io.lindstrom.m3u8.model.ContentSteering;
import io.lindstrom.m3u8.model.MasterPlaylist;
import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.Variant;
import io.lindstrom.m3u8.parser.MasterPlaylistParser;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.ParsingMode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * HLS playlists (RFC 8216) of hybrid-cdn, read and written with {@code io.lindstrom:m3u8-parser}:
 * <ul>
 *   <li>the origin writes the master playlist from the manifest ({@link #master}) and stores each
 *       media playlist as FFmpeg wrote it with segment URIs made absolute paths
 *       ({@link #withAbsoluteSegmentPaths});</li>
 *   <li>a peer serves playlists from edges with every segment URI pointing back at itself
 *       ({@link #pointSegmentsAtServer}), and the master playlist with one pathway per server a
 *       player may fail over to ({@link #withPathways}, HLS Content Steering);</li>
 *   <li>players (the swarm simulation) list variants with bitrates, pathways and segments with
 *       durations ({@link #variants}, {@link #steering}, {@link #segments}).</li>
 * </ul>
 * Parsing is lenient about tags the library does not know (future tags pass). URI rewriting
 * changes only URI lines (RFC 8216 section 4.1: a line not starting with {@code #}) and keeps every
 * other byte, so what a server passes on is what its upstream wrote.
 */
public final class Playlists {
  private static final MediaPlaylistParser MEDIA = new MediaPlaylistParser(ParsingMode.LENIENT);
  private static final MasterPlaylistParser MASTER = new MasterPlaylistParser(ParsingMode.LENIENT);
  /** {@code STABLE-VARIANT-ID} characters (rfc8216bis section 4.4.6.2). */
  private static final Pattern STABLE_ID = Pattern.compile("[A-Za-z0-9+/=._-]+");
  /** A {@code URI="..."} attribute of a tag (RFC 8216 section 4.2), not {@code SERVER-URI} or another {@code *-URI}. */
  private static final Pattern URI_ATTRIBUTE = Pattern.compile("([:,])URI=\"([^\"]*)\"");

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

  /**
   * A pathway of a steered master playlist (rfc8216bis section 7.2, Content Steering).
   *
   * @param id {@code PATHWAY-ID}, {@link SteeringManifest#PATHWAY_ID}; hybrid-cdn uses the node id
   *     (peer or edge id) of the server
   * @param baseUrl the server's base URL, e.g. {@code http://127.0.0.1:9000}, no trailing slash
   */
  public record Pathway(String id, String baseUrl) {
    public Pathway {
      if (!SteeringManifest.PATHWAY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("not a pathway id: " + id);
      }
    }
  }

  /**
   * One variant of a master playlist as a steering client sees it.
   *
   * @param pathwayId {@code PATHWAY-ID}, {@code "."} when absent (the specification's default)
   * @param stableVariantId {@code STABLE-VARIANT-ID}, else the variant's URI as written
   * @param uri media playlist URI resolved against the master playlist's URL
   * @param bandwidth {@code BANDWIDTH}, bit/s
   */
  public record PathwayVariant(String pathwayId, String stableVariantId, String uri, long bandwidth) {}

  /**
   * The Content Steering view of a master playlist.
   *
   * @param serverUri {@code EXT-X-CONTENT-STEERING SERVER-URI} resolved against the master's URL, null without the tag
   * @param initialPathway its {@code PATHWAY-ID}, else the first variant's pathway
   * @param variants every variant of every pathway, in playlist order
   */
  public record Steering(String serverUri, String initialPathway, List<PathwayVariant> variants) {
    /** The pathways in playlist order. */
    public List<String> pathways() {
      return variants.stream().map(PathwayVariant::pathwayId).distinct().toList();
    }

    /** The variants of one pathway, in playlist order. */
    public List<PathwayVariant> of(String pathwayId) {
      return variants.stream().filter(v -> v.pathwayId().equals(pathwayId)).toList();
    }
  }

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
   * A master playlist from upstream offered over several pathways (HLS Content Steering,
   * draft-pantos-hls-rfc8216bis section 7.2 and 4.4.6.6): every variant is listed once per pathway,
   * in pathway order, with {@code PATHWAY-ID}, a {@code STABLE-VARIANT-ID} (the upstream's, else its
   * relative URI, e.g. {@code 64k/playlist.m3u8}) and an absolute URI on that pathway's server; with
   * a {@code steeringUri}, {@code EXT-X-CONTENT-STEERING} names it and the first pathway as the
   * initial one. Players without steering see the same variants several times: redundant streams
   * (RFC 8216 section 6.3.4), which they fail over between.
   *
   * @param upstream master playlist with variant URIs relative to {@code masterPath}
   * @param masterPath path of the master playlist on every server, e.g. {@code /hls/<songId>/master.m3u8}
   * @param pathways at least one, most preferred first
   * @param steeringUri absolute steering server URI, or null for redundant streams only
   * @throws IllegalArgumentException when {@code upstream} is not a master playlist or no pathway is given
   */
  public static String withPathways(String upstream, String masterPath, List<Pathway> pathways, String steeringUri) {
    if (pathways.isEmpty()) {
      throw new IllegalArgumentException("a steered master playlist needs at least one pathway");
    }
    MasterPlaylist up = parseMaster(upstream);
    List<Variant> out = new ArrayList<>();
    for (Pathway p : pathways) {
      for (Variant v : up.variants()) {
        String stable = v.stableVariantId().orElse(STABLE_ID.matcher(v.uri()).matches() ? v.uri() : null);
        out.add(Variant.builder().from(v).uri(resolve(p.baseUrl() + masterPath, v.uri())).pathwayId(p.id())
            .stableVariantId(Optional.ofNullable(stable)).build());
      }
    }
    MasterPlaylist.Builder master = MasterPlaylist.builder().from(up).variants(out);
    if (steeringUri != null) {
      master.contentSteering(ContentSteering.of(steeringUri, pathways.get(0).id()));
    }
    return MASTER.writePlaylistAsString(master.build());
  }

  /**
   * The Content Steering view of a master playlist fetched from {@code masterUrl}.
   *
   * @throws IllegalArgumentException when the text is not a master playlist or has no variant
   */
  public static Steering steering(String masterUrl, String text) {
    MasterPlaylist m = parseMaster(text);
    List<PathwayVariant> variants = m.variants().stream().map(v -> new PathwayVariant(v.pathwayId().orElse("."),
        v.stableVariantId().orElse(v.uri()), resolve(masterUrl, v.uri()), v.bandwidth())).toList();
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("master playlist at " + masterUrl + " has no #EXT-X-STREAM-INF variant");
    }
    String server = m.contentSteering().map(c -> resolve(masterUrl, c.serverUri())).orElse(null);
    String initial = m.contentSteering().flatMap(ContentSteering::pathwayId).orElse(variants.get(0).pathwayId());
    return new Steering(server, initial, variants);
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
   * The playlist with {@code name=value} in the query of every URI it holds: URI lines (variants,
   * segments) and {@code URI="..."} attributes of tags ({@code EXT-X-MEDIA}, {@code EXT-X-MAP},
   * {@code EXT-X-I-FRAME-STREAM-INF}, {@code EXT-X-KEY}, ...; not {@code SERVER-URI}, the steering
   * server). A player resolves a relative URI against the playlist's URL and drops that URL's query
   * (RFC 3986 section 5.2.2), so a signed URL's token reaches every playlist and segment only when each
   * URI carries it (what Akamai and CloudFront do for HLS). A parameter of that name already there is
   * replaced; other parameters and fragments stay. Every other byte is kept.
   *
   * @param value written as is: characters legal in a query (RFC 3986 section 3.4), no {@code &} or {@code #}
   * @throws IllegalArgumentException when a URI in the playlist is not a URI reference
   */
  public static String withQueryParam(String text, String name, String value) {
    if (value.indexOf('&') >= 0 || value.indexOf('#') >= 0) {
      throw new IllegalArgumentException("a query value may not hold & or #: " + value);
    }
    String[] lines = text.split("\r?\n", -1);
    StringBuilder out = new StringBuilder(text.length() + (name.length() + value.length() + 2) * lines.length);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String uri = line.strip();
      if (uri.startsWith("#")) {
        var m = URI_ATTRIBUTE.matcher(line);
        out.append(m.replaceAll(r -> java.util.regex.Matcher.quoteReplacement(
            r.group(1) + "URI=\"" + withQuery(r.group(2), name, value) + "\"")));
      } else {
        out.append(uri.isEmpty() ? line : withQuery(uri, name, value));
      }
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * One URI reference with {@code name=value} in its query (RFC 3986 components through {@link URI},
   * raw forms kept, so nothing already escaped is escaped twice).
   */
  static String withQuery(String reference, String name, String value) {
    URI u;
    try {
      u = new URI(reference);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a URI reference in the playlist: " + reference, e);
    }
    StringBuilder query = new StringBuilder();
    if (u.getRawQuery() != null) {
      for (String p : u.getRawQuery().split("&")) {
        if (!p.isEmpty() && !p.equals(name) && !p.startsWith(name + "=")) {
          query.append(p).append('&');
        }
      }
    }
    query.append(name).append('=').append(value);
    StringBuilder out = new StringBuilder(reference.length() + query.length() + 1);
    if (u.getScheme() != null) {
      out.append(u.getScheme()).append(':');
    }
    if (u.getRawAuthority() != null) {
      out.append("//").append(u.getRawAuthority());
    }
    out.append(u.getRawPath() == null ? "" : u.getRawPath()).append('?').append(query);
    if (u.getRawFragment() != null) {
      out.append('#').append(u.getRawFragment());
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
