package dev.hybridcdn.servicekit.identity;

import dev.hybridcdn.schemas.events.PeerJoined;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Checks one event's {@link EventAuth} headers, statelessly: the token is the cluster's and
 * unexpired, names the node the event speaks for ({@link EventAuth#nodeOf}), the MAC holds with its
 * session's event key, PeerJoined and PeerLeft carry the node's Ed25519 signature, a PeerJoined
 * announces the token's base URL and region, and the event was signed within the age window. Replays
 * inside the window (a sequence number not after the last seen) are the caller's to catch, with state
 * ({@link EventAuth#sequence}); streams-kit's {@code SequenceGuard} does it in the Streams apps.
 *
 * <p>Cost per event after a session's first: a cache lookup and one HMAC-SHA256 (benchmarks
 * {@code EventVerifyBench}). Thread-safe.
 */
public final class EventVerifier {
  /** How far in the future a signing time may be (clock skew between nodes). */
  private static final long MAX_SKEW_MS = 5 * 60_000;
  private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  });

  private final AdmissionAuthority authority;
  private final TrustSettings.Mode mode;
  private final long maxAgeMs;

  public EventVerifier(AdmissionAuthority authority, TrustSettings trust) {
    this.authority = authority;
    this.mode = trust.mode();
    this.maxAgeMs = trust.maxAge().toMillis();
    if (mode != TrustSettings.Mode.OFF && authority == null) {
      throw new IllegalArgumentException("event authentication " + mode + " needs the cluster secret");
    }
  }

  /** The verifier of these settings ({@code off}: everything passes). */
  public static EventVerifier of(TrustSettings trust) {
    return new EventVerifier(AdmissionAuthority.of(trust), trust);
  }

  public TrustSettings.Mode mode() {
    return mode;
  }

  /**
   * @param topic the topic the event was read from
   * @param value the value as read (the bytes the MAC covers)
   * @param event the decoded value
   * @return the verified token, or null when the event is unsigned and the mode lets it pass
   * @throws AdmissionException saying what does not hold up
   */
  public AdmissionToken verify(String topic, byte[] value, Headers headers, SpecificRecord event) {
    if (mode == TrustSettings.Mode.OFF || EventAuth.nodeOf(event) == null) {
      return null; // not a peer's or an edge's event (PeerExpired comes from the tracker; ACLs guard its topic)
    }
    Header tokenHeader = headers == null ? null : headers.lastHeader(EventAuth.TOKEN);
    if (tokenHeader == null) {
      if (mode == TrustSettings.Mode.REQUIRE) {
        throw new AdmissionException("unsigned event (EVENT_AUTH=require)");
      }
      return null;
    }
    AdmissionAuthority.Admission a = authority.verifyWithKey(new String(tokenHeader.value(), StandardCharsets.UTF_8));
    AdmissionToken token = a.token();
    String node = EventAuth.nodeOf(event);
    if (node == null || !node.equals(token.nodeId())) {
      throw new AdmissionException("event of " + node + " signed with the token of " + token.nodeId());
    }
    long session = EventAuth.longOf(headers.lastHeader(EventAuth.SESSION), EventAuth.SESSION);
    if (session != token.session()) {
      throw new AdmissionException("session " + session + " is not the token's (" + token.session() + ")");
    }
    long seq = EventAuth.longOf(headers.lastHeader(EventAuth.SEQUENCE), EventAuth.SEQUENCE);
    long ts = EventAuth.longOf(headers.lastHeader(EventAuth.TIMESTAMP), EventAuth.TIMESTAMP);
    long now = authority.now();
    if (ts < now - maxAgeMs || ts > now + MAX_SKEW_MS) {
      throw new AdmissionException("signed at " + ts + ", outside the window (now " + now + ", max age "
          + maxAgeMs + " ms): replayed or skewed");
    }
    Header macHeader = headers.lastHeader(EventAuth.MAC);
    byte[] covered = EventAuth.covered(topic, session, seq, ts, value);
    Mac mac = MACS.get();
    try {
      mac.init(new SecretKeySpec(a.eventKey(), "HmacSHA256"));
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
    if (macHeader == null || !MessageDigest.isEqual(mac.doFinal(covered), macHeader.value())) {
      throw new AdmissionException("MAC does not match: forged or altered event of " + node);
    }
    if (EventAuth.identityEvent(event)) {
      Header sig = headers.lastHeader(EventAuth.SIGNATURE);
      if (sig == null || !ed25519(token, covered, sig.value())) {
        throw new AdmissionException("Ed25519 signature missing or wrong on " + event.getClass().getSimpleName()
            + " of " + node);
      }
    }
    if (event instanceof PeerJoined j && (!j.getBaseUrl().equals(token.baseUrl())
        || !j.getRegion().equals(token.region()))) {
      throw new AdmissionException("PeerJoined of " + node + " announces " + j.getBaseUrl() + " (" + j.getRegion()
          + "), its token binds " + token.baseUrl() + " (" + token.region() + ")");
    }
    return token;
  }

  private static boolean ed25519(AdmissionToken token, byte[] covered, byte[] sig) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(token.publicKey());
      s.update(covered);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
