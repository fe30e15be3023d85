package dev.hybridcdn.peer.fetch.multisource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChunkAssignmentTest {

  @Test
  void fourEqualHoldersShareSixteenChunksEvenly() {
    List<ChunkAssignment.Source> sources = IntStream.range(0, 4)
        .mapToObj(i -> new ChunkAssignment.Source("peer-" + i, 0.1, null)).toList();
    ChunkAssignment.Plan plan = ChunkAssignment.plan(range(16), sources);
    assertThat(plan.bySource()).hasSize(4).allSatisfy((id, chunks) -> assertThat(chunks).hasSize(4));
    assertThat(plan.makespanSeconds()).isCloseTo(0.4, within(1e-9));
    assertThat(plan.unassigned()).isEmpty();
  }

  @Test
  void aFasterHolderTakesMoreAndAChunkNobodyHasIsLeftOut() {
    List<ChunkAssignment.Source> sources = List.of(new ChunkAssignment.Source("fast", 0.1, null),
        new ChunkAssignment.Source("slow", 0.3, Set.of(0, 1, 2)));
    ChunkAssignment.Plan plan = ChunkAssignment.plan(range(8), sources);
    assertThat(plan.bySource().get("fast")).hasSize(6);
    assertThat(plan.bySource().get("slow")).hasSize(2).isSubsetOf(0, 1, 2);
    assertThat(plan.makespanSeconds()).isCloseTo(0.6, within(1e-9));

    ChunkAssignment.Plan partial = ChunkAssignment.plan(List.of(0, 5, 9),
        List.of(new ChunkAssignment.Source("a", 0.1, Set.of(0, 5))));
    assertThat(partial.unassigned()).containsExactly(9);
    assertThat(partial.bySource()).containsEntry("a", List.of(0, 5));
  }

  /** Every assignment of up to 6 chunks to up to 3 sources tried: none finishes sooner than the plan. */
  @Test
  void theMaxFlowMakespanIsTheBruteForceOptimumOnSmallCases() {
    Random random = new Random(14);
    for (int round = 0; round < 300; round++) {
      int n = 1 + random.nextInt(6);
      int k = 1 + random.nextInt(3);
      List<ChunkAssignment.Source> sources = new ArrayList<>();
      for (int s = 0; s < k; s++) {
        Set<Integer> has = null;
        if (random.nextBoolean()) {
          has = new HashSet<>();
          for (int c = 0; c < n; c++) {
            if (random.nextInt(3) > 0) {
              has.add(c);
            }
          }
        }
        sources.add(new ChunkAssignment.Source("s" + s, 0.05 + random.nextInt(20) * 0.05, has));
      }
      List<Integer> chunks = range(n);
      ChunkAssignment.Plan plan = ChunkAssignment.plan(chunks, sources);

      // valid: each assignable chunk exactly once, only to a source that has it
      Map<Integer, Integer> seen = new HashMap<>();
      plan.bySource().forEach((id, list) -> {
        ChunkAssignment.Source s = sources.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        for (int c : list) {
          assertThat(s.has(c)).as("%s has %d", id, c).isTrue();
          seen.merge(c, 1, Integer::sum);
        }
      });
      List<Integer> assignable = chunks.stream().filter(c -> sources.stream().anyMatch(s -> s.has(c))).toList();
      assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(assignable);
      assertThat(seen.values()).allMatch(v -> v == 1);
      assertThat(plan.unassigned()).containsExactlyElementsOf(
          chunks.stream().filter(c -> !assignable.contains(c)).toList());

      assertThat(plan.makespanSeconds()).as("round %d", round)
          .isCloseTo(bruteForce(assignable, sources), within(1e-9));
    }
  }

  /** The smallest makespan over every assignment (k^n of them). */
  private static double bruteForce(List<Integer> chunks, List<ChunkAssignment.Source> sources) {
    if (chunks.isEmpty()) {
      return 0;
    }
    int n = chunks.size();
    int k = sources.size();
    double best = Double.MAX_VALUE;
    int[] pick = new int[n];
    long total = (long) Math.pow(k, n);
    for (long code = 0; code < total; code++) {
      long x = code;
      boolean ok = true;
      int[] count = new int[k];
      for (int i = 0; i < n; i++) {
        pick[i] = (int) (x % k);
        x /= k;
        if (!sources.get(pick[i]).has(chunks.get(i))) {
          ok = false;
          break;
        }
        count[pick[i]]++;
      }
      if (!ok) {
        continue;
      }
      double worst = 0;
      for (int s = 0; s < k; s++) {
        worst = Math.max(worst, count[s] * sources.get(s).secondsPerChunk());
      }
      best = Math.min(best, worst);
    }
    return best;
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }
}
