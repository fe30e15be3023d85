package dev.hybridcdn.tracker.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EdgeFetchClaimsTest {
  final EdgeFetchClaims claims = new EdgeFetchClaims(2_000, 3);

  @Test
  void theFirstAskerHoldsTheClaimAndOthersSeeItUntilItExpires() {
    assertThat(claims.claim("s/64k/a.ts", "p1", 10_000)).isNull();
    assertThat(claims.claim("s/64k/a.ts", "p2", 10_500)).isEqualTo(new EdgeFetchClaims.Claim("p1", 10_000));
    assertThat(claims.standing("s/64k/a.ts", "p3", 11_999)).isEqualTo(new EdgeFetchClaims.Claim("p1", 10_000));
    assertThat(claims.standing("s/64k/a.ts", "p1", 11_000)).as("not its own").isNull();

    assertThat(claims.claim("s/64k/a.ts", "p1", 11_900)).as("asking again does not renew").isNull();
    assertThat(claims.claim("s/64k/a.ts", "p2", 12_000)).as("expired: p2 takes it").isNull();
    assertThat(claims.claim("s/64k/a.ts", "p1", 12_100)).isEqualTo(new EdgeFetchClaims.Claim("p2", 12_000));
  }

  @Test
  void aHolderEndsTheClaim() {
    claims.claim("s/64k/a.ts", "p1", 0);
    claims.held("s/64k/a.ts");
    assertThat(claims.standing("s/64k/a.ts", "p2", 1)).isNull();
    assertThat(claims.claim("s/64k/a.ts", "p2", 1)).isNull();
  }

  @Test
  void whenFullExpiredClaimsGoAndLiveOnesAreNotDisplaced() {
    claims.claim("s/64k/a.ts", "p1", 0);
    claims.claim("s/64k/b.ts", "p1", 1_000);
    claims.claim("s/64k/c.ts", "p1", 1_500);
    assertThat(claims.claim("s/64k/d.ts", "p1", 1_900)).isNull();
    assertThat(claims.standing("s/64k/d.ts", "p2", 1_900)).as("full: not taken").isNull();
    assertThat(claims.size()).isEqualTo(3);

    claims.claim("s/64k/d.ts", "p1", 2_100); // a.ts expired and is dropped
    assertThat(claims.size()).isEqualTo(3);
    assertThat(claims.standing("s/64k/d.ts", "p2", 2_100)).isEqualTo(new EdgeFetchClaims.Claim("p1", 2_100));
    assertThat(claims.standing("s/64k/b.ts", "p2", 2_100)).isEqualTo(new EdgeFetchClaims.Claim("p1", 1_000));
  }
}
