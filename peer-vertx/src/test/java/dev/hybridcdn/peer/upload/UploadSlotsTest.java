package dev.hybridcdn.peer.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UploadSlotsTest {
  private static final long WINDOW = 30_000;

  @Test
  void atMostRegularPlusOptimisticConcurrentUploadsThenRefusal() {
    UploadSlots slots = new UploadSlots(4, 1, WINDOW, new Random(1));
    for (int i = 0; i < 5; i++) {
      assertThat(slots.tryAcquire("p" + i, 0)).isPresent();
    }
    assertThat(slots.active()).isEqualTo(5);
    assertThat(slots.tryAcquire("p0", 0)).isEmpty();
    assertThat(slots.tryAcquire("p9", 0)).isEmpty();
    assertThat(slots.rejections()).isEqualTo(2);
  }

  @Test
  void releasedSlotIsUsableAgain() {
    UploadSlots slots = new UploadSlots(1, 0, WINDOW, new Random(1));
    Optional<UploadSlots.Grant> g = slots.tryAcquire("a", 0);
    assertThat(slots.tryAcquire("a", 0)).isEmpty();
    slots.release(g.orElseThrow());
    assertThat(slots.tryAcquire("a", 0)).contains(UploadSlots.Grant.REGULAR);
  }

  @Test
  void rechokeFavoursPeersThatUploadToUs() {
    UploadSlots slots = new UploadSlots(2, 1, WINDOW, new Random(1));
    for (String p : new String[] {"a", "b", "c", "d"}) {
      slots.release(slots.tryAcquire(p, 0).orElseThrow());
    }
    slots.receivedFrom("d", 1_000_000);
    slots.receivedFrom("c", 500_000);
    slots.rechoke(1000);
    assertThat(slots.unchokedPeers()).containsExactlyInAnyOrder("c", "d");

    // With both regular slots busy with unchoked peers, a choked peer gets no regular slot.
    slots.tryAcquire("d", 1000).orElseThrow();
    slots.tryAcquire("c", 1000).orElseThrow();
    slots.rotateOptimistic(1000);
    String optimistic = slots.optimisticPeer();
    assertThat(optimistic).isIn("a", "b");
    String other = optimistic.equals("a") ? "b" : "a";
    assertThat(slots.tryAcquire(other, 1000)).isEmpty();
    assertThat(slots.tryAcquire(optimistic, 1000)).contains(UploadSlots.Grant.OPTIMISTIC);
  }

  @Test
  void optimisticSlotRotatesAmongChokedInterestedPeers() {
    UploadSlots slots = new UploadSlots(1, 1, WINDOW, new Random(7));
    for (String p : new String[] {"a", "b", "c", "d"}) {
      slots.tryAcquire(p, 0).ifPresent(slots::release);
    }
    slots.receivedFrom("a", 10);
    slots.rechoke(0);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      slots.rotateOptimistic(0);
      seen.add(slots.optimisticPeer());
    }
    assertThat(seen).containsExactlyInAnyOrder("b", "c", "d");
  }

  @Test
  void peersQuietLongerThanTheWindowAreNoLongerUnchoked() {
    UploadSlots slots = new UploadSlots(2, 0, WINDOW, new Random(1));
    slots.release(slots.tryAcquire("old", 0).orElseThrow());
    slots.release(slots.tryAcquire("new", WINDOW).orElseThrow());
    slots.rechoke(WINDOW + 1);
    assertThat(slots.unchokedPeers()).containsExactly("new");
  }

  @Test
  void aChokedPeerMayBorrowAnIdleRegularSlotButOneStaysFree() {
    UploadSlots slots = new UploadSlots(3, 0, WINDOW, new Random(1));
    for (String p : new String[] {"a", "b", "c"}) {
      slots.release(slots.tryAcquire(p, 0).orElseThrow());
    }
    // a, b, c are unchoked; x is choked but 3 regular slots are idle
    assertThat(slots.tryAcquire("x", 0)).contains(UploadSlots.Grant.REGULAR);
    assertThat(slots.tryAcquire("y", 0)).contains(UploadSlots.Grant.REGULAR);
    assertThat(slots.tryAcquire("z", 0)).isEmpty(); // the last free slot is kept for unchoked peers
    assertThat(slots.tryAcquire("a", 0)).contains(UploadSlots.Grant.REGULAR);
  }
}
