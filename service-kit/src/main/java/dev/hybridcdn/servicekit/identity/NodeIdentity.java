package dev.hybridcdn.servicekit.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One node's identity (a peer or an edge): its Ed25519 key pair (JDK) and its admission, and the
 * signer of every event it emits ({@link EventAuth} headers). Sequence numbers count per topic, so
 * each topic's partition order (one key per node) is also sequence order.
 *
 * <p>{@link #sign} must be called in publish order for one topic; {@code EventPublisher} calls it
 * while it holds this identity's lock and queues the event.
 */
public final class NodeIdentity {
  private final KeyPair keys;
  private volatile Session session;
  private final ConcurrentHashMap<String, AtomicLong> seqs = new ConcurrentHashMap<>();

  /** An admission and the MAC keyed with its event key (one {@code Mac} per thread, not one per event). */
  private record Session(AdmissionAuthority.Admission admission, HmacSha256 eventMac) {}

  private NodeIdentity(KeyPair keys) {
    this.keys = keys;
  }

  /** A new Ed25519 key pair, not admitted yet. */
  public static NodeIdentity generate() {
    try {
      return new NodeIdentity(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of JDK 17", e);
    }
  }

  /** The key pair (the public half goes into the admission token). */
  public KeyPair keys() {
    return keys;
  }

  /**
   * Admits this node with {@code authority} (a new session: sequences start again at 1).
   *
   * @return the token
   */
  public synchronized AdmissionToken admit(AdmissionAuthority authority, String nodeId, String kind, String baseUrl,
      String region) {
    AdmissionAuthority.Admission admission = authority.admit(nodeId, kind, keys.getPublic(), baseUrl, region);
    session = new Session(admission, new HmacSha256(admission.eventKey()));
    seqs.clear();
    return admission.token();
  }

  /** The current token, or null before admission. */
  public AdmissionToken token() {
    Session s = session;
    return s == null ? null : s.admission().token();
  }

  /**
   * The headers that sign one event; none before admission.
   *
   * @param value the event as encoded for the topic
   */
  public List<Header> sign(String topic, SpecificRecord event, byte[] value) {
    Session current = session;
    if (current == null) {
      return List.of();
    }
    AdmissionAuthority.Admission a = current.admission();
    long seq = seqs.computeIfAbsent(topic, t -> new AtomicLong()).incrementAndGet();
    long ts = System.currentTimeMillis();
    long session = a.token().session();
    byte[] covered = EventAuth.covered(topic, session, seq, ts, value);
    List<Header> h = new ArrayList<>(6);
    h.add(new RecordHeader(EventAuth.TOKEN, a.token().compact().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    h.add(new RecordHeader(EventAuth.SESSION, EventAuth.longBytes(session)));
    h.add(new RecordHeader(EventAuth.SEQUENCE, EventAuth.longBytes(seq)));
    h.add(new RecordHeader(EventAuth.TIMESTAMP, EventAuth.longBytes(ts)));
    try {
      h.add(new RecordHeader(EventAuth.MAC, current.eventMac().mac(covered)));
      if (EventAuth.identityEvent(event)) {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(covered);
        h.add(new RecordHeader(EventAuth.SIGNATURE, s.sign()));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing an event", e);
    }
    return h;
  }
}
