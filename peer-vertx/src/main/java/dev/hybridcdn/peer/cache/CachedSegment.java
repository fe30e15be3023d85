package dev.hybridcdn.peer.cache;

import io.vertx.core.buffer.Buffer;

/**
 * One segment held in memory.
 *
 * @param segmentId {@code <songId>/<rendition>/<file>}
 * @param bytes the segment's bytes (MPEG-TS), already verified against the manifest
 * @param sha256 lower-case hex SHA-256 of {@code bytes}
 */
public record CachedSegment(String segmentId, Buffer bytes, String sha256) {
  public int size() {
    return bytes.length();
  }
}
