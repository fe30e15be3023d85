package dev.hybridcdn.servicekit.identity;

import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.HolderReported;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The Kafka headers of a signed event and the bytes its MAC and signature cover.
 *
 * <pre>
 * cdn.auth.token  the node's admission token (JWT compact, UTF-8)
 * cdn.auth.ses    session of the token (8 bytes, big-endian epoch ms)
 * cdn.auth.seq    the node's sequence number on this topic in this session (8 bytes, from 1, strictly increasing)
 * cdn.auth.ts     when it was signed (8 bytes, epoch ms)
 * cdn.auth.mac    HMAC-SHA256 with the session's event key (32 bytes)
 * cdn.auth.sig    Ed25519 signature with the node's key (64 bytes), on PeerJoined and PeerLeft only
 * </pre>
 *
 * Both cover {@code topic 0x00 ses seq ts value}, the value as written (encoded bytes). The record key
 * is not covered (a deserializer does not see it); the Streams apps check instead that a signed event's
 * key is the node it speaks for ({@link #keyOf}), so a signed event copied under another key is refused.
 */
public final class EventAuth {
  public static final String TOKEN = "cdn.auth.token";
  public static final String SESSION = "cdn.auth.ses";
  public static final String SEQUENCE = "cdn.auth.seq";
  public static final String TIMESTAMP = "cdn.auth.ts";
  public static final String MAC = "cdn.auth.mac";
  public static final String SIGNATURE = "cdn.auth.sig";

  private EventAuth() {}

  /** The bytes a MAC and a signature cover. */
  static byte[] covered(String topic, long session, long seq, long ts, byte[] value) {
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(t.length + 1 + 24 + value.length).put(t).put((byte) 0)
        .putLong(session).putLong(seq).putLong(ts).put(value).array();
  }

  /**
   * The record key a signed event must have: the node it speaks for ({@link #nodeOf}), except a
   * HolderReported, keyed by the reported holder.
   */
  public static String keyOf(SpecificRecord event) {
    return event instanceof HolderReported e ? e.getHolderId() : nodeOf(event);
  }

  /** Whether the node's Ed25519 key signs this event too (events that change who or where a node is). */
  static boolean identityEvent(SpecificRecord event) {
    return event instanceof PeerJoined || event instanceof PeerLeft;
  }

  /**
   * The node an event speaks for, whose token must sign it: the peer of peer, segment and delivery
   * events, the measuring peer of LinkMeasured, the edge of EdgeServed; null for other records.
   */
  public static String nodeOf(SpecificRecord event) {
    if (event instanceof PeerJoined e) {
      return e.getPeerId();
    } else if (event instanceof PeerHeartbeat e) {
      return e.getPeerId();
    } else if (event instanceof PeerLeft e) {
      return e.getPeerId();
    } else if (event instanceof SegmentCached e) {
      return e.getPeerId();
    } else if (event instanceof SegmentEvicted e) {
      return e.getPeerId();
    } else if (event instanceof LinkMeasured e) {
      return e.getFromId();
    } else if (event instanceof SegmentDelivered e) {
      return e.getPeerId();
    } else if (event instanceof EdgeServed e) {
      return e.getEdgeId();
    } else if (event instanceof HolderReported e) {
      return e.getReporterId();
    }
    return null;
  }

  /** The session and sequence headers of a verified event, or null when it carries none. */
  public static Sequence sequence(Headers headers) {
    Header ses = headers.lastHeader(SESSION);
    Header seq = headers.lastHeader(SEQUENCE);
    if (ses == null || seq == null || ses.value().length != 8 || seq.value().length != 8) {
      return null;
    }
    return new Sequence(ByteBuffer.wrap(ses.value()).getLong(), ByteBuffer.wrap(seq.value()).getLong());
  }

  /** A node's session (epoch ms of its admission) and its sequence number in it. */
  public record Sequence(long session, long seq) {
    /** True when this comes after {@code last} (a newer session, or a later number in the same one). */
    public boolean after(Sequence last) {
      return last == null || session > last.session || session == last.session && seq > last.seq;
    }

    /** Stored form {@code session:seq}. */
    public String format() {
      return session + ":" + seq;
    }

    /** The stored form back; null for null. */
    public static Sequence parse(String s) {
      if (s == null) {
        return null;
      }
      int i = s.indexOf(':');
      return new Sequence(Long.parseLong(s, 0, i, 10), Long.parseLong(s, i + 1, s.length(), 10));
    }
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(Header h, String name) {
    if (h == null || h.value() == null || h.value().length != 8) {
      throw new AdmissionException("header " + name + " missing or not 8 bytes");
    }
    return ByteBuffer.wrap(h.value()).getLong();
  }
}
