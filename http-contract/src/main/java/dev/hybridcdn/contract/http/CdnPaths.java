package dev.hybridcdn.contract.http;

/**
 * The URL paths of the read API that origin, edges and peers share (ARCHITECTURE.md, "HTTP APIs"):
 * builders for clients and Vert.x route patterns for servers, so no module spells a path by hand.
 *
 * <p>Builders take ids already validated with {@link dev.hybridcdn.schemas.Ids}; they do not
 * encode, since a valid id holds no character that needs it.
 */
public final class CdnPaths {
  /** {@code GET /songs}: the song list. */
  public static final String SONGS = "/songs";
  /** {@code GET /ping}: liveness and identity of a server, for RTT probes. */
  public static final String PING = "/ping";
  /** Prefix of every segment path; the rest of the path is the segment id. */
  public static final String SEGMENTS_PREFIX = "/segments/";
  /** File name of a song's master playlist. */
  public static final String MASTER_FILE = "master.m3u8";
  /** File name of a rendition's media playlist. */
  public static final String MEDIA_PLAYLIST_FILE = "playlist.m3u8";

  /** Route of {@link #song}; path parameter {@code songId}. */
  public static final String SONG_ROUTE = "/songs/:songId";
  /** Route of {@link #master}; path parameter {@code songId}. */
  public static final String MASTER_ROUTE = "/hls/:songId/" + MASTER_FILE;
  /** Route of {@link #mediaPlaylist}; path parameters {@code songId}, {@code rendition}. */
  public static final String MEDIA_PLAYLIST_ROUTE = "/hls/:songId/:rendition/" + MEDIA_PLAYLIST_FILE;
  /** Route of {@link #segment}: a wildcard, since a segment id holds slashes ({@link #segmentIdOf}). */
  public static final String SEGMENTS_ROUTE = SEGMENTS_PREFIX + "*";

  private CdnPaths() {}

  /** {@code /songs/{songId}}: the song's manifest. */
  public static String song(String songId) {
    return SONGS + "/" + songId;
  }

  /** {@code /hls/{songId}/master.m3u8}. */
  public static String master(String songId) {
    return "/hls/" + songId + "/" + MASTER_FILE;
  }

  /** {@code /hls/{songId}/{rendition}/playlist.m3u8}. */
  public static String mediaPlaylist(String songId, String rendition) {
    return "/hls/" + songId + "/" + rendition + "/" + MEDIA_PLAYLIST_FILE;
  }

  /**
   * URI of a media playlist relative to the master playlist ({@code 128k/playlist.m3u8}), as the
   * master lists its variants.
   */
  public static String mediaPlaylistFromMaster(String rendition) {
    return rendition + "/" + MEDIA_PLAYLIST_FILE;
  }

  /** {@code /segments/{segmentId}}, e.g. {@code /segments/demo/128k/seg00003.ts}. */
  public static String segment(String segmentId) {
    return SEGMENTS_PREFIX + segmentId;
  }

  /** {@code /segments/{songId}/{rendition}/{file}}. */
  public static String segment(String songId, String rendition, String file) {
    return SEGMENTS_PREFIX + songId + "/" + rendition + "/" + file;
  }

  /**
   * The paths a player token for one song covers ({@code /hls/<songId>/*}, {@code /segments/<songId>/*}):
   * its playlists and segments on any edge or peer, as the ACL of service-kit's {@code PlayerTokens}.
   */
  public static java.util.List<String> songAcl(String songId) {
    return java.util.List.of("/hls/" + songId + "/*", SEGMENTS_PREFIX + songId + "/*");
  }

  /**
   * The segment id of a request path ({@code demo/128k/seg00003.ts} of
   * {@code /segments/demo/128k/seg00003.ts}), unvalidated; empty when the path is not under
   * {@link #SEGMENTS_PREFIX}.
   */
  public static String segmentIdOf(String path) {
    return path != null && path.startsWith(SEGMENTS_PREFIX) ? path.substring(SEGMENTS_PREFIX.length()) : "";
  }
}
