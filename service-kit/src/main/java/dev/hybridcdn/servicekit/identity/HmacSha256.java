package dev.hybridcdn.servicekit.identity;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 (RFC 2104, JDK {@link Mac}) for the MACs of player tokens and cluster requests: one {@link Mac}
 * per thread, since a {@code Mac} is not thread-safe and {@code Mac.getInstance} costs more than a MAC of a
 * short text.
 */
public final class HmacSha256 {
  private static final String ALGORITHM = "HmacSHA256";
  private final ThreadLocal<Mac> macs;

  /** @param key raw key bytes (RFC 2104: any length; at least 32 bytes for full strength) */
  public HmacSha256(byte[] key) {
    SecretKeySpec spec = new SecretKeySpec(key, ALGORITHM);
    this.macs = ThreadLocal.withInitial(() -> newMac(spec));
  }

  /** The 32-byte MAC of {@code data}. */
  public byte[] mac(byte[] data) {
    return macs.get().doFinal(data);
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac m = Mac.getInstance(ALGORITHM);
      m.init(key);
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
