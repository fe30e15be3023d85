package dev.hybridcdn.servicekit.identity;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.Base64;

/**
 * How a service takes part in event authentication (issue 16), read once from the environment.
 *
 * @param clusterSecret {@code CLUSTER_SECRET}, base64 of at least 32 bytes, shared by the control
 *     plane (the admission issuer, tracker, topology); null (unset) turns event authentication off
 * @param mode {@code EVENT_AUTH}: {@code require} (default with a secret: unsigned events are dead-lettered),
 *     {@code verify} (signed events are checked, unsigned ones pass: the migration step), {@code off}
 *     (default without a secret)
 * @param maxAge {@code EVENT_MAX_AGE_MS}, default 3600000 ms (1 h, the publisher's delivery timeout):
 *     an event signed longer ago than this, or more than 5 min in the future, is rejected as replayed
 * @param tokenTtl {@code ADMISSION_TTL_MS}, default 86400000 ms (24 h): life of an admission token
 */
public record TrustSettings(byte[] clusterSecret, Mode mode, Duration maxAge, Duration tokenTtl) {
  /** What a verifier does with events. */
  public enum Mode {
    OFF, VERIFY, REQUIRE;

    static Mode parse(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public TrustSettings {
    if (mode != Mode.OFF && clusterSecret == null) {
      throw new ConfigException("EVENT_AUTH", mode.name().toLowerCase(java.util.Locale.ROOT),
          "off unless CLUSTER_SECRET is set");
    }
  }

  /** Authentication off: nothing signed, nothing checked. */
  public static TrustSettings off() {
    return new TrustSettings(null, Mode.OFF, Duration.ofHours(1), Duration.ofHours(24));
  }

  /** Enforcing with this secret (tests, the local stack). */
  public static TrustSettings require(byte[] secret) {
    return new TrustSettings(secret, Mode.REQUIRE, Duration.ofHours(1), Duration.ofHours(24));
  }

  /** @throws ConfigException naming the first bad variable */
  public static TrustSettings from(Env env) {
    String raw = env.raw("CLUSTER_SECRET");
    byte[] secret = null;
    if (raw != null && !raw.isBlank()) {
      try {
        secret = Base64.getDecoder().decode(raw.strip());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("CLUSTER_SECRET", "(hidden)", "base64 of at least 32 random bytes");
      }
      if (secret.length < 32) {
        throw new ConfigException("CLUSTER_SECRET", "(hidden)", "base64 of at least 32 random bytes");
      }
    }
    String mode = env.string("EVENT_AUTH", secret == null ? "off" : "require",
        s -> s.matches("off|verify|require"), "off, verify or require");
    return new TrustSettings(secret, Mode.parse(mode),
        env.millis("EVENT_MAX_AGE_MS", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(7)),
        env.millis("ADMISSION_TTL_MS", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(365)));
  }

  /** True when events are signed (a secret is known, so tokens can be issued). */
  public boolean signs() {
    return clusterSecret != null && mode != Mode.OFF;
  }

  /** A new random secret in the {@code CLUSTER_SECRET} format (the local stack makes one per run). */
  public static String newSecret() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  @Override
  public String toString() {
    return "TrustSettings[mode=" + mode + ", secret=" + (clusterSecret == null ? "unset" : "set") + ", maxAge="
        + maxAge + ", tokenTtl=" + tokenTtl + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrustSettings t && java.util.Arrays.equals(clusterSecret, t.clusterSecret) && mode == t.mode
        && maxAge.equals(t.maxAge) && tokenTtl.equals(t.tokenTtl);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(java.util.Arrays.hashCode(clusterSecret), mode, maxAge, tokenTtl);
  }
}
