package dev.hybridcdn.peer.http;

/** One {@code Range: bytes=...} header against a body of known length (RFC 9110, section 14). */
final class RangeHeader {
  private RangeHeader() {}

  /**
   * @return null: serve the whole body (no header, several ranges, or not a bytes range);
   *     an empty array: unsatisfiable (416); else {first, last} inclusive byte offsets
   */
  static long[] parse(String header, long length) {
    if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
      return null;
    }
    String spec = header.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      if (a.isEmpty()) { // suffix: the last n bytes
        long n = Long.parseLong(b);
        if (n <= 0 || length == 0) {
          return new long[0];
        }
        return new long[] {Math.max(0, length - n), length - 1};
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
      if (first < 0 || first >= length || last < first) {
        return first >= length || last < first ? new long[0] : null;
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Bytes a response will carry: the range's length, the whole body, or -1 when unsatisfiable. */
  static long length(String header, long length) {
    long[] r = parse(header, length);
    return r == null ? length : r.length == 0 ? -1 : r[1] - r[0] + 1;
  }
}
