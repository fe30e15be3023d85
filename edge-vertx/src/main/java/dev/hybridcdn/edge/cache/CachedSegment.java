package dev.hybridcdn.edge.cache;

import io.vertx.core.buffer.Buffer;
import dev.hybridcdn.servicekit.files.TmpfsFiles;
import java.util.Objects;

/**
 * A segment's bytes as a tier holds them, with the SHA-256 they were verified against (from the
 * origin's manifest) when they entered the edge: in memory, or, in the near cache, in a tmpfs file
 * that answers send with {@code sendfile(2)} ({@link NearCache}).
 *
 * @param segmentId e.g. {@code demo/128k/seg00003.ts}
 * @param bytes the whole segment; shared between responses, never modified; null when {@code file} holds it
 * @param sha256 64 lowercase hex characters
 * @param file the whole segment as an open file on tmpfs, else null; whoever got this segment from
 *     {@link NearCache#get} holds a reference to it and must {@link TmpfsFiles.SharedFile#release} it
 * @param size the segment's length, bytes
 */
public record CachedSegment(String segmentId, Buffer bytes, String sha256, TmpfsFiles.SharedFile file, int size) {
  public CachedSegment {
    Objects.requireNonNull(segmentId, "segmentId");
    if ((bytes == null) == (file == null)) {
      throw new IllegalArgumentException("a cached segment is held in memory or in a file, one of the two");
    }
    if (bytes != null && bytes.length() != size) {
      throw new IllegalArgumentException("size " + size + " is not the bytes' length " + bytes.length());
    }
  }

  /** A segment held in memory. */
  public CachedSegment(String segmentId, Buffer bytes, String sha256) {
    this(segmentId, bytes, sha256, null, bytes.length());
  }

  /** A segment held in a file. */
  static CachedSegment inFile(String segmentId, TmpfsFiles.SharedFile file, String sha256) {
    return new CachedSegment(segmentId, null, sha256, file, (int) file.size());
  }

  /** Gives back the reference to its file that {@link NearCache#get} took; nothing for bytes in memory. */
  public void release() {
    if (file != null) {
      file.release();
    }
  }
}
