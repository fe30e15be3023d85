package dev.hybridcdn.edge.http;

/**
 * One byte range of a {@code Range: bytes=...} request header (RFC 9110, section 14.1.2), resolved
 * against a representation of {@code length} bytes.
 *
 * @param first offset of the first byte, inclusive
 * @param last offset of the last byte, inclusive
 */
public record ByteRange(long first, long last) {
  /** Outcome of reading a Range header. */
  public sealed interface Parsed permits Full, Partial, Unsatisfiable {}

  /** No usable range (absent, not {@code bytes=}, several ranges, malformed): send the whole body (200). */
  public record Full() implements Parsed {}

  /** Send this part (206, {@code Content-Range: bytes first-last/length}). */
  public record Partial(ByteRange range) implements Parsed {}

  /** A well-formed range outside the body: 416 with {@code Content-Range: bytes *}{@code /length}. */
  public record Unsatisfiable() implements Parsed {}

  public long length() {
    return last - first + 1;
  }

  /**
   * Reads {@code bytes=a-b}, {@code bytes=a-} and {@code bytes=-n}. A multi-range request is
   * answered whole, which RFC 9110 allows (a server may ignore Range).
   *
   * @param header the Range header, may be null
   * @param length size of the whole body in bytes
   */
  public static Parsed parse(String header, long length) {
    if (header == null) {
      return new Full();
    }
    String h = header.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return new Full();
    }
    String spec = h.substring(6).strip();
    if (spec.isEmpty() || spec.contains(",")) {
      return new Full();
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return new Full();
    }
    String a = spec.substring(0, dash).strip();
    String b = spec.substring(dash + 1).strip();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return new Full();
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || length == 0) {
          return new Unsatisfiable();
        }
        return new Partial(new ByteRange(Math.max(0, length - suffix), length - 1));
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? length - 1 : Long.parseLong(b);
      if (first >= length) {
        return new Unsatisfiable();
      }
      if (first < 0 || last < first) {
        return new Full();
      }
      return new Partial(new ByteRange(first, Math.min(last, length - 1)));
    } catch (NumberFormatException e) {
      return new Full();
    }
  }
}
