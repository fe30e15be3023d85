package dev.hybridcdn.peer.playlist;

/**
 * Points a playlist's segment URIs back at the peer that serves it, so a player asks the peer (not
 * the edge) for every segment.
 */
public final class PlaylistRewrite {
  private PlaylistRewrite() {}

  /**
   * Makes every segment URI of a playlist an absolute path on this peer: {@code http://edge/segments/x}
   * becomes {@code /segments/x}; a bare segment file name in a media playlist becomes
   * {@code /segments/<songId>/<rendition>/<file>}. Tags, comments and relative playlist URIs stay.
   *
   * @param rendition null for a master playlist
   */
  public static String rewrite(String playlist, String songId, String rendition) {
    StringBuilder out = new StringBuilder(playlist.length() + 64);
    for (String line : playlist.split("\r?\n", -1)) {
      String l = line;
      if (!l.isEmpty() && !l.startsWith("#")) {
        int at = l.indexOf("/segments/");
        if ((l.startsWith("http://") || l.startsWith("https://")) && at >= 0) {
          l = l.substring(at);
        } else if (rendition != null && !l.startsWith("/") && !l.contains("://") && !l.endsWith(".m3u8")) {
          l = "/segments/" + songId + "/" + rendition + "/" + l;
        }
      }
      out.append(l).append('\n');
    }
    out.setLength(Math.max(0, out.length() - 1));
    return out.toString();
  }
}
