package dev.hybridcdn.contract.manifest;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Content-addressed segment file names (issue 12, re-ingest): the file part of a segment id
 * {@code <songId>/<rendition>/<file>} is {@code seg<index, 5 digits>-<first 16 hex of SHA-256>.ts},
 * e.g. {@code seg00003-9f86d081884c7d65.ts}. So the bytes of a segment id never change: a re-ingest
 * with other audio makes other ids, and one with identical bytes keeps them. Every tier still checks
 * the full SHA-256 from the manifest; the prefix (64 bits) lets a tier check bytes of a segment whose
 * manifest it no longer has (a superseded version a player is finishing) against the id itself.
 *
 * <p>Names without a hash ({@code seg00003.ts}, written before versions) stay valid ids; they are
 * simply not self-verifying.
 */
public final class SegmentNames {
  /** Hex characters of the SHA-256 carried in a name. */
  public static final int HASH_PREFIX_CHARS = 16;

  private static final Pattern CONTENT_NAME = Pattern.compile("seg(\\d{5,9})-([0-9a-f]{16})\\.ts");

  private SegmentNames() {}

  /**
   * The file name of the segment at {@code index} whose bytes hash to {@code sha256}.
   *
   * @param sha256 64 hex characters (either case)
   * @throws IllegalArgumentException for a negative index or a hash that is not 64 hex characters
   */
  public static String file(int index, String sha256) {
    if (index < 0) {
      throw new IllegalArgumentException("segment index must be 0 or more: " + index);
    }
    if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException("not a SHA-256 in hex: " + sha256);
    }
    return String.format(Locale.ROOT, "seg%05d-%s.ts", index,
        sha256.substring(0, HASH_PREFIX_CHARS).toLowerCase(Locale.ROOT));
  }

  /**
   * The hash prefix a segment id or file name carries (16 lower-case hex), empty for a name
   * without one.
   */
  public static Optional<String> hashPrefix(String segmentIdOrFile) {
    if (segmentIdOrFile == null) {
      return Optional.empty();
    }
    Matcher m = CONTENT_NAME.matcher(segmentIdOrFile.substring(segmentIdOrFile.lastIndexOf('/') + 1));
    return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
  }

  /** The index a content-addressed segment id or file name carries, or -1 for a name without one. */
  public static int index(String segmentIdOrFile) {
    if (segmentIdOrFile == null) {
      return -1;
    }
    Matcher m = CONTENT_NAME.matcher(segmentIdOrFile.substring(segmentIdOrFile.lastIndexOf('/') + 1));
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /**
   * True when the id names content by hash and {@code sha256} (64 hex) is that content's hash:
   * bytes hashing to {@code sha256} are the bytes this id stands for.
   */
  public static boolean names(String segmentIdOrFile, String sha256) {
    return sha256 != null && sha256.length() == 64
        && hashPrefix(segmentIdOrFile).map(p -> sha256.toLowerCase(Locale.ROOT).startsWith(p)).orElse(false);
  }
}
