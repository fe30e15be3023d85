package dev.hybridcdn.tracker.http;

import dev.hybridcdn.tracker.index.HolderRanking;
import java.util.List;

/**
 * The lookup answer {@code {"segmentId","holders":[{"peerId","baseUrl","region","rttMs","load","token"}]}}
 * ({@code token} only when events are signed)
 * written straight into a {@link StringBuilder}: the hottest route of the tracker, where building a
 * {@code JsonObject} tree and serialising it through Jackson took ~15% of a lookup's CPU (JFR
 * profile of the benchmark). Same fields, order and number formats as {@code JsonObject.encode()}.
 */
final class LookupJson {
  private LookupJson() {}

  static String encode(String segmentId, List<HolderRanking.Ranked> holders) {
    StringBuilder b = new StringBuilder(64 + holders.size() * 128);
    b.append("{\"segmentId\":");
    string(b, segmentId);
    b.append(",\"holders\":[");
    for (int i = 0; i < holders.size(); i++) {
      HolderRanking.Ranked r = holders.get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"peerId\":");
      string(b, r.peerId());
      b.append(",\"baseUrl\":");
      string(b, r.baseUrl());
      b.append(",\"region\":");
      string(b, r.region());
      b.append(",\"rttMs\":");
      number(b, r.rttMs());
      b.append(",\"load\":");
      number(b, r.load());
      if (r.token() != null) {
        // The holder's admission token: the requester fetches only from the URL it binds (issue 16).
        b.append(",\"token\":");
        string(b, r.token());
      }
      b.append('}');
    }
    return b.append("]}").toString();
  }

  private static void number(StringBuilder b, Double d) {
    if (d == null || !Double.isFinite(d)) {
      b.append("null"); // JSON has no NaN/Infinity; RTTs and loads are finite (validated on input)
    } else {
      b.append(d.doubleValue());
    }
  }

  /** A JSON string with the escapes RFC 8259 requires (ids and URLs are validated, but never trusted here). */
  static void string(StringBuilder b, String s) {
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
