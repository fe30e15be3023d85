package dev.hybridcdn.servicekit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Admission tokens: what they bind, and the ones that must be refused (expired, tampered, foreign). */
class AdmissionAuthorityTest {
  private static final byte[] SECRET = Base64.getDecoder().decode(TrustSettings.newSecret());
  private final NodeIdentity node = NodeIdentity.generate();

  @Test
  void tokenBindsIdKeyUrlAndRegion() {
    AdmissionAuthority authority = new AdmissionAuthority(SECRET, Duration.ofHours(1), Clock.systemUTC());
    AdmissionToken issued = node.admit(authority, "peer-1", AdmissionAuthority.PEER, "http://127.0.0.1:9000", "eu-west");
    // Another instance with the same secret (the tracker) accepts it.
    AdmissionToken t = new AdmissionAuthority(SECRET, Duration.ofHours(1), Clock.systemUTC()).verify(issued.compact());
    assertThat(t.nodeId()).isEqualTo("peer-1");
    assertThat(t.kind()).isEqualTo("peer");
    assertThat(t.baseUrl()).isEqualTo("http://127.0.0.1:9000");
    assertThat(t.region()).isEqualTo("eu-west");
    assertThat(t.publicKey()).isEqualTo(node.keys().getPublic());
    assertThat(t.session()).isEqualTo(issued.session());
  }

  @Test
  void sessionsOfOneIssuerStrictlyIncrease() {
    AdmissionAuthority authority = new AdmissionAuthority(SECRET, Duration.ofHours(1), Clock.systemUTC());
    long a = node.admit(authority, "p", AdmissionAuthority.PEER, "http://h:1", "r").session();
    long b = node.admit(authority, "p", AdmissionAuthority.PEER, "http://h:1", "r").session();
    assertThat(b).isGreaterThan(a);
  }

  @Test
  void expiredTokenIsRefused() {
    Instant issued = Instant.parse("2026-01-01T00:00:00Z");
    AdmissionAuthority past = new AdmissionAuthority(SECRET, Duration.ofMinutes(5), Clock.fixed(issued, ZoneOffset.UTC));
    String token = node.admit(past, "p", AdmissionAuthority.PEER, "http://h:1", "r").compact();
    AdmissionAuthority later = new AdmissionAuthority(SECRET, Duration.ofMinutes(5),
        Clock.fixed(issued.plus(Duration.ofMinutes(6)), ZoneOffset.UTC));
    assertThatThrownBy(() -> later.verify(token)).isInstanceOf(AdmissionException.class).hasMessageContaining("expired");
  }

  @Test
  void tamperedTokenIsRefused() {
    AdmissionAuthority authority = new AdmissionAuthority(SECRET, Duration.ofHours(1), Clock.systemUTC());
    String token = node.admit(authority, "peer-1", AdmissionAuthority.PEER, "http://127.0.0.1:9000", "eu-west")
        .compact();
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
        .replace("http://127.0.0.1:9000", "http://127.0.0.1:8081");
    String moved = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
    assertThatThrownBy(() -> authority.verify(moved)).isInstanceOf(AdmissionException.class)
        .hasMessageContaining("not signed by the cluster");
    assertThatThrownBy(() -> authority.verify("not.a.token")).isInstanceOf(AdmissionException.class);
  }

  @Test
  void tokenOfAnotherClusterIsRefused() {
    AdmissionAuthority other = new AdmissionAuthority(Base64.getDecoder().decode(TrustSettings.newSecret()),
        Duration.ofHours(1), Clock.systemUTC());
    String token = node.admit(other, "p", AdmissionAuthority.PEER, "http://h:1", "r").compact();
    assertThatThrownBy(() -> new AdmissionAuthority(SECRET, Duration.ofHours(1), Clock.systemUTC()).verify(token))
        .isInstanceOf(AdmissionException.class);
  }

  @Test
  void settingsNeedASecretToSignAndRejectAShortOne() {
    assertThat(TrustSettings.from(new dev.hybridcdn.servicekit.config.Env(java.util.Map.of())).mode())
        .isEqualTo(TrustSettings.Mode.OFF);
    assertThat(TrustSettings.from(new dev.hybridcdn.servicekit.config.Env(java.util.Map.of("CLUSTER_SECRET",
        TrustSettings.newSecret()))).mode()).isEqualTo(TrustSettings.Mode.REQUIRE);
    assertThatThrownBy(() -> TrustSettings.from(new dev.hybridcdn.servicekit.config.Env(java.util.Map.of(
        "CLUSTER_SECRET", "c2hvcnQ=")))).hasMessageContaining("CLUSTER_SECRET");
    assertThatThrownBy(() -> TrustSettings.from(new dev.hybridcdn.servicekit.config.Env(java.util.Map.of(
        "EVENT_AUTH", "require")))).hasMessageContaining("EVENT_AUTH");
  }
}
