package dev.hybridcdn.servicekit.http;

/**
 * One byte range of a {@code Range} header (RFC 9110 section 14.1.2), resolved against a length.
 * Shared by every server of segments (origin, edge, peer).
 *
 * @param start first byte, inclusive
 * @param end last byte, inclusive
 */
public record ByteRange(long start, long end) {
  /** Outcome of parsing a Range header. */
  public sealed interface Parsed permits Full, Partial, Unsatisfiable {}

  /** No usable range (absent, malformed, several ranges, other unit): send the whole body, 200. */
  public record Full() implements Parsed {}

  /** A single satisfiable range: 206. */
  public record Partial(ByteRange range) implements Parsed {}

  /** A well-formed range that lies past the end: 416. */
  public record Unsatisfiable() implements Parsed {}

  public long length() {
    return end - start + 1;
  }

  /** {@code bytes start-end/total}. */
  public String contentRange(long total) {
    return "bytes " + start + "-" + end + "/" + total;
  }

  /**
   * Parses {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n} against {@code length} bytes.
   * Multiple ranges are answered with the full body (allowed by RFC 9110: a server may ignore
   * Range); a malformed header is ignored the same way.
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
    if (spec.contains(",")) {
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
        if (b.isEmpty() || !b.chars().allMatch(Character::isDigit)) {
          return new Full();
        }
        long suffix = Long.parseLong(b);
        if (suffix == 0 || length == 0) {
          return new Unsatisfiable();
        }
        return new Partial(new ByteRange(Math.max(0, length - suffix), length - 1));
      }
      if (!a.chars().allMatch(Character::isDigit) || (!b.isEmpty() && !b.chars().allMatch(Character::isDigit))) {
        return new Full();
      }
      long start = Long.parseLong(a);
      long end = b.isEmpty() ? length - 1 : Long.parseLong(b);
      if (!b.isEmpty() && end < start) {
        return new Full(); // invalid range-spec: ignored
      }
      if (start >= length) {
        return new Unsatisfiable();
      }
      return new Partial(new ByteRange(start, Math.min(end, length - 1)));
    } catch (NumberFormatException e) {
      return new Full(); // more digits than a long holds
    }
  }
}
