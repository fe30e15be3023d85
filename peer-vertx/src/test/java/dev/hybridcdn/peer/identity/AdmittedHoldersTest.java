package dev.hybridcdn.peer.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Issue 16, item 3: a peer contacts only holders whose admission token binds the URL it is given. */
class AdmittedHoldersTest {
  private static final String ORIGIN = "http://127.0.0.1:8081";
  private final byte[] secret = Base64.getDecoder().decode(TrustSettings.newSecret());
  private final AdmissionAuthority authority = new AdmissionAuthority(secret, Duration.ofHours(1), Clock.systemUTC());
  private final AdmittedHolders check = new AdmittedHolders(authority);

  private String token(String id, String kind, String url, AdmissionAuthority issuer) {
    return NodeIdentity.generate().admit(issuer, id, kind, url, "eu-west").compact();
  }

  @Test
  void admittedPeerAtItsOwnUrlIsContacted() {
    String t = token("p1", AdmissionAuthority.PEER, "http://127.0.0.1:9001", authority);
    assertThat(check.admitted("p1", "http://127.0.0.1:9001", t)).isTrue();
    assertThat(check.admitted("p1", "http://127.0.0.1:9001/", t)).isTrue();
    assertThat(check.refused()).isZero();
  }

  @Test
  void fakeHolderPointedAtTheOriginIsNeverContacted() {
    String real = token("p1", AdmissionAuthority.PEER, "http://127.0.0.1:9001", authority);
    assertThat(check.admitted("p1", ORIGIN, real)).isFalse();     // an admitted peer's token, another URL
    assertThat(check.admitted("fake", ORIGIN, real)).isFalse();   // someone else's token
    assertThat(check.admitted("fake", ORIGIN, null)).isFalse();   // no token
    String edge = token("edge-1", AdmissionAuthority.EDGE, ORIGIN, authority);
    assertThat(check.admitted("edge-1", ORIGIN, edge)).isFalse(); // an edge's token does not make a holder
    AdmissionAuthority rogue = new AdmissionAuthority(Base64.getDecoder().decode(TrustSettings.newSecret()),
        Duration.ofHours(1), Clock.systemUTC());
    assertThat(check.admitted("fake", ORIGIN, token("fake", AdmissionAuthority.PEER, ORIGIN, rogue))).isFalse();
    assertThat(check.refused()).isEqualTo(5);
  }

  @Test
  void withoutSigningEveryHolderPasses() {
    assertThat(new AdmittedHolders(null).admitted("p1", ORIGIN, null)).isTrue();
  }
}
