package dev.hybridcdn.schemas;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identifiers of the contract (ARCHITECTURE.md, "Identifiers"). Every HTTP endpoint and every
 * Kafka consumer validates with these before anything reaches storage or Kafka.
 */
public final class Ids {
  /** Song id: {@code [a-z0-9][a-z0-9_-]{0,63}}. */
  public static final Pattern SONG_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  /** Rendition name: {@code <bitrate>k}, bitrate 1 to 99999 kb/s. */
  public static final Pattern RENDITION = Pattern.compile("[1-9][0-9]{0,4}k");
  /** Segment or playlist file name inside a rendition: no slashes, no leading dot. */
  public static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
  /** Peer id and edge id: {@code [A-Za-z0-9._-]{1,64}}. */
  public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Region: a short name such as {@code eu-west}. */
  public static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  private Ids() {}

  public static boolean isSongId(String s) {
    return s != null && SONG_ID.matcher(s).matches();
  }

  public static boolean isRendition(String s) {
    return s != null && RENDITION.matcher(s).matches();
  }

  /** A node id that is also not {@code .} or {@code ..}, so it is safe in a path. */
  public static boolean isNodeId(String s) {
    return s != null && NODE_ID.matcher(s).matches() && !s.equals(".") && !s.equals("..");
  }

  public static boolean isRegion(String s) {
    return s != null && REGION.matcher(s).matches();
  }

  /** Bitrate in kb/s of a valid rendition name, e.g. 128 for {@code 128k}. */
  public static int bitrateKbps(String rendition) {
    if (!isRendition(rendition)) {
      throw new IllegalArgumentException("not a rendition name: " + rendition);
    }
    return Integer.parseInt(rendition.substring(0, rendition.length() - 1));
  }

  /**
   * A parsed segment id {@code <songId>/<rendition>/<file>}, e.g. {@code demo/128k/seg00003.ts}.
   * The same string is the path under {@code /segments/} on every server.
   */
  public record SegmentId(String songId, String rendition, String file) {
    public SegmentId {
      if (!isSongId(songId) || !isRendition(rendition) || file == null
          || !FILE_NAME.matcher(file).matches()) {
        throw new IllegalArgumentException(
            "segment id must be <songId>/<rendition>/<file>: " + songId + "/" + rendition + "/" + file);
      }
    }

    /**
     * Parses a segment id; empty when the string is not one (wrong shape, {@code ..}, encoded
     * characters, over-long parts). Never throws.
     */
    public static Optional<SegmentId> parse(String s) {
      if (s == null || s.length() > 200) {
        return Optional.empty();
      }
      String[] parts = s.split("/", -1);
      if (parts.length != 3 || !isSongId(parts[0]) || !isRendition(parts[1])
          || !FILE_NAME.matcher(parts[2]).matches()) {
        return Optional.empty();
      }
      return Optional.of(new SegmentId(parts[0], parts[1], parts[2]));
    }

    @Override
    public String toString() {
      return songId + "/" + rendition + "/" + file;
    }
  }
}
