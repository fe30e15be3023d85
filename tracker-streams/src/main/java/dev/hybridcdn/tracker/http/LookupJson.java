package dev.hybridcdn.tracker.http;

import dev.hybridcdn.tracker.index.HolderRanking;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The lookup answer {@code {"segmentId","holders":[{"peerId","baseUrl","region","rttMs","load","token"}]}}
 * ({@code token} only when events are signed), written as UTF-8 straight into one byte array sized
 * for the answer and handed to Netty without a copy: the hottest route of the tracker. Building a
 * {@code JsonObject} tree and serialising it through Jackson took ~15% of a lookup's CPU; after that,
 * a growing {@code StringBuilder}, its {@code toString}, the String's UTF-8 bytes and Vert.x's copy of
 * them were ~43% of the bytes the event loops allocated (10 holders with ~400-byte admission tokens,
 * ~5.5 KB an answer; JFR {@code jdk.ObjectAllocationSample} of the benchmark, README "Benchmark").
 * Same fields, order and number formats as {@code JsonObject.encode()}.
 */
final class LookupJson {
  private static final byte[] HEAD = ascii("{\"segmentId\":");
  private static final byte[] HOLDERS = ascii(",\"holders\":[");
  private static final byte[] PEER_ID = ascii("{\"peerId\":");
  private static final byte[] BASE_URL = ascii(",\"baseUrl\":");
  private static final byte[] REGION = ascii(",\"region\":");
  private static final byte[] RTT = ascii(",\"rttMs\":");
  private static final byte[] LOAD = ascii(",\"load\":");
  private static final byte[] TOKEN = ascii(",\"token\":");
  private static final byte[] NULL = ascii("null");
  private static final byte[] HEX = ascii("0123456789abcdef");
  /** Field names, quotes, separators and two numbers of one holder, bytes (numbers up to 24 chars each). */
  private static final int PER_HOLDER = 128;

  private byte[] out;
  private int pos;

  private LookupJson(int capacity) {
    out = new byte[capacity];
  }

  static Buffer encode(String segmentId, List<HolderRanking.Ranked> holders) {
    int capacity = 32 + length(segmentId);
    for (HolderRanking.Ranked r : holders) {
      capacity += PER_HOLDER + length(r.peerId()) + length(r.baseUrl()) + length(r.region()) + length(r.token());
    }
    LookupJson b = new LookupJson(capacity);
    b.bytes(HEAD);
    b.string(segmentId);
    b.bytes(HOLDERS);
    for (int i = 0; i < holders.size(); i++) {
      HolderRanking.Ranked r = holders.get(i);
      if (i > 0) {
        b.ascii(',');
      }
      b.bytes(PEER_ID);
      b.string(r.peerId());
      b.bytes(BASE_URL);
      b.string(r.baseUrl());
      b.bytes(REGION);
      b.string(r.region());
      b.bytes(RTT);
      b.number(r.rttMs());
      b.bytes(LOAD);
      b.number(r.load());
      if (r.token() != null) {
        // The holder's admission token: the requester fetches only from the URL it binds (issue 16).
        b.bytes(TOKEN);
        b.string(r.token());
      }
      b.ascii('}');
    }
    b.ascii(']');
    b.ascii('}');
    return BufferInternal.buffer(Unpooled.wrappedBuffer(b.out, 0, b.pos));
  }

  private static int length(String s) {
    return s == null ? 4 : s.length() + 2;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private void room(int n) {
    if (pos + n > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, pos + n));
    }
  }

  private void bytes(byte[] b) {
    room(b.length);
    System.arraycopy(b, 0, out, pos, b.length);
    pos += b.length;
  }

  private void ascii(char c) {
    room(1);
    out[pos++] = (byte) c;
  }

  private void number(Double d) {
    if (d == null || !Double.isFinite(d)) {
      bytes(NULL); // JSON has no NaN/Infinity; RTTs and loads are finite (validated on input)
    } else {
      String s = Double.toString(d);
      room(s.length());
      for (int i = 0; i < s.length(); i++) {
        out[pos++] = (byte) s.charAt(i);
      }
    }
  }

  /** A JSON string with the escapes RFC 8259 requires (ids and URLs are validated, but never trusted here). */
  private void string(String s) {
    if (s == null) {
      bytes(NULL);
      return;
    }
    room(s.length() + 2);
    out[pos++] = '"';
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        room(1);
        out[pos++] = (byte) c;
      } else {
        escaped(s, i, c);
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        }
      }
    }
    ascii('"');
  }

  private void escaped(String s, int i, char c) {
    switch (c) {
      case '"' -> bytes(ascii("\\\""));
      case '\\' -> bytes(ascii("\\\\"));
      case '\n' -> bytes(ascii("\\n"));
      case '\r' -> bytes(ascii("\\r"));
      case '\t' -> bytes(ascii("\\t"));
      default -> {
        if (c < 0x20) {
          bytes(ascii("\\u00"));
          ascii((char) HEX[c >> 4]);
          ascii((char) HEX[c & 0xf]);
        } else {
          // non-ASCII: its UTF-8 bytes (a surrogate pair as one code point; a lone surrogate as '?', as String.getBytes does)
          int end = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
              ? i + 2 : i + 1;
          bytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
        }
      }
    }
  }
}
