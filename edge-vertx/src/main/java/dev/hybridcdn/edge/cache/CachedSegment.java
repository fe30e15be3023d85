package dev.hybridcdn.edge.cache;

import io.vertx.core.buffer.Buffer;

/**
 * A segment's bytes as a tier holds them, with the SHA-256 they were verified against (from the
 * origin's manifest) when they entered the edge.
 *
 * @param segmentId e.g. {@code demo/128k/seg00003.ts}
 * @param bytes the whole segment; shared between responses, never modified
 * @param sha256 64 lowercase hex characters
 */
public record CachedSegment(String segmentId, Buffer bytes, String sha256) {
  public int size() {
    return bytes.length();
  }
}
