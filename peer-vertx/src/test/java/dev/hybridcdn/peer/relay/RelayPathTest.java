package dev.hybridcdn.peer.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.http.ApiError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A relay's {@code path} parameter: bounded, loop-free, valid ids; and what a relay's answer says it travelled. */
class RelayPathTest {
  @Test
  void aPathOfOneOrTwoNodesAfterTheRelayIsAccepted() {
    assertThat(RelayRoute.parsePath("peer-7", "relay", "asker")).containsExactly("peer-7");
    assertThat(RelayRoute.parsePath("peer-9, peer-7", "relay", "asker")).containsExactly("peer-9", "peer-7");
  }

  @Test
  void badPathsAre400s() {
    assertThatThrownBy(() -> RelayRoute.parsePath(null, "relay", "asker")).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.code()).isEqualTo("invalid_path"));
    assertThatThrownBy(() -> RelayRoute.parsePath("", "relay", "asker")).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.code()).isEqualTo("invalid_path"));
    assertThatThrownBy(() -> RelayRoute.parsePath("peer-1,,peer-2", "relay", "asker"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_path"));
    assertThatThrownBy(() -> RelayRoute.parsePath("http://evil/", "relay", "asker"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_path"));
    // requester -> relay -> a -> b -> c is 4 hops, one over the bound
    assertThatThrownBy(() -> RelayRoute.parsePath("a,b,c", "relay", "asker"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_path"));
  }

  @Test
  void loopsAreRefused() {
    for (String p : List.of("a,a", "relay", "a,relay", "asker", "a,asker")) {
      assertThatThrownBy(() -> RelayRoute.parsePath(p, "relay", "asker")).as(p)
          .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("path_loop"));
    }
  }

  @Test
  void aRelaysPathHeaderIsBelievedOnlyWhenItStartsAtTheRelayAndIsNoLonger() {
    List<String> asked = List.of("r1", "r2", "h");
    assertThat(RelayHops.travelled("r1,r2,h", asked)).containsExactly("r1", "r2", "h");
    assertThat(RelayHops.travelled("r1", asked)).containsExactly("r1");
    assertThat(RelayHops.travelled("x,r2,h", asked)).isEqualTo(asked);
    assertThat(RelayHops.travelled("r1,a,b,c", asked)).isEqualTo(asked);
    assertThat(RelayHops.travelled("r1,r1", asked)).isEqualTo(asked);
    assertThat(RelayHops.travelled(null, asked)).isEqualTo(asked);
  }
}
