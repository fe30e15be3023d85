package dev.hybridcdn.contract.http;

/** Content types of the read API. */
public final class ContentTypes {
  /** HLS playlists, master and media (RFC 8216 section 4). */
  public static final String PLAYLIST = "application/vnd.apple.mpegurl";
  /** MPEG-TS segments. */
  public static final String SEGMENT = "video/mp2t";
  /** Manifests, song lists, errors, {@code /ping}. */
  public static final String JSON = "application/json";

  private ContentTypes() {}
}
