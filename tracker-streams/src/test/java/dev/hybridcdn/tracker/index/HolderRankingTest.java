package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HolderRankingTest {
  /** The ranking by a full sort of every holder, as the contract states it (reference for the top-k path). */
  private static List<String> reference(List<PeerState> holders, String region, int limit, long turn) {
    record C(String id, long region, long rtt, long load) {}
    List<C> cs = new ArrayList<>();
    for (PeerState h : holders) {
      cs.add(new C(h.peerId(), region.equals(h.region()) ? 0 : 1,
          h.meanRttMs() == null ? Integer.MAX_VALUE : (long) Math.floor(h.meanRttMs() / 5.0),
          (long) Math.floor(h.load() / 0.25 + 1e-9)));
    }
    cs.sort(Comparator.comparingLong(C::region).thenComparingLong(C::rtt).thenComparingLong(C::load)
        .thenComparing(C::id));
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < cs.size() && out.size() < limit) {
      int j = i + 1;
      C a = cs.get(i);
      while (j < cs.size() && cs.get(j).region == a.region && cs.get(j).rtt == a.rtt && cs.get(j).load == a.load) {
        j++;
      }
      int size = j - i;
      for (int k = 0; k < size && out.size() < limit; k++) {
        out.add(cs.get(i + (int) ((Math.floorMod(turn, (long) size) + k) % size)).id);
      }
      i = j;
    }
    return out;
  }

  @Test
  void topLimitMatchesAFullSortWithTieGroupsCrossingTheLimit() {
    Random random = new Random(3);
    String[] regions = {"eu-west", "us-east"};
    Map<String, PeerState> directory = new HashMap<>();
    List<PeerState> holders = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      // few distinct RTT/load buckets so tie groups are large and straddle the limit
      PeerState p = new PeerState("p" + i, true, regions[random.nextInt(2)], "http://h" + i, 4, 0, 0, 0, 0,
          random.nextInt(3), random.nextInt(4) == 0 ? null : (double) random.nextInt(15), 0, 0, 0, 0, 0, Map.of());
      directory.put(p.peerId(), p);
      holders.add(p);
    }
    List<String> ids = holders.stream().map(PeerState::peerId).toList();
    HolderRanking ranking = new HolderRanking(5, 0.25);
    for (int limit : new int[] {1, 3, 10, 149, 150, 200}) {
      for (long turn = 0; turn < 7; turn++) {
        List<String> got = ranking.rank(ids, directory::get, null, "eu-west", Set.of(), limit, turn).stream()
            .map(HolderRanking.Ranked::peerId).toList();
        assertThat(got).as("limit %d turn %d", limit, turn).isEqualTo(reference(holders, "eu-west", limit, turn));
      }
    }
  }
}
