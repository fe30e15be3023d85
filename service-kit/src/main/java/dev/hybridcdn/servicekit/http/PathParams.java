package dev.hybridcdn.servicekit.http;

import dev.hybridcdn.schemas.Ids;
import io.vertx.ext.web.RoutingContext;

/**
 * The path parameters every HLS route takes ({@code :songId}, {@code :rendition}), validated one way
 * in origin, edge, peer and tracker: anything outside ARCHITECTURE.md's identifiers is a 400 in
 * the {@link ApiError} envelope before it reaches storage, Kafka or another server.
 */
public final class PathParams {
  private static final int MAX_ECHO = 80;

  private PathParams() {}

  /**
   * {@code :songId}.
   *
   * @throws ApiError 400 {@code invalid_song_id} unless it matches {@link Ids#SONG_ID}
   */
  public static String songId(RoutingContext ctx) {
    String songId = ctx.pathParam("songId");
    if (!Ids.isSongId(songId)) {
      throw ApiError.badRequest("invalid_song_id", "song id must match " + Ids.SONG_ID.pattern() + ": " + clip(songId));
    }
    return songId;
  }

  /**
   * {@code :rendition}.
   *
   * @throws ApiError 400 {@code invalid_rendition} unless it is {@code <kbps>k} ({@link Ids#RENDITION})
   */
  public static String rendition(RoutingContext ctx) {
    String rendition = ctx.pathParam("rendition");
    if (!Ids.isRendition(rendition)) {
      throw ApiError.badRequest("invalid_rendition", "rendition must be <kbps>k, e.g. 128k: " + clip(rendition));
    }
    return rendition;
  }

  /** A client's value echoed in a message: at most 80 characters, "(none)" when absent. */
  public static String clip(String s) {
    if (s == null) {
      return "(none)";
    }
    return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
  }
}
