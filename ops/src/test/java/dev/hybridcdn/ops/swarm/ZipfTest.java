package dev.hybridcdn.ops.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ZipfTest {
  @Test
  void probabilitiesFollowTheLaw() {
    Zipf z = new Zipf(3, 1.0);
    double h = 1 + 1 / 2.0 + 1 / 3.0;
    assertThat(z.probability(1)).isCloseTo(1 / h, Offset.offset(1e-12));
    assertThat(z.probability(3)).isCloseTo(1 / (3 * h), Offset.offset(1e-12));
    assertThat(new Zipf(4, 0).probability(2)).isCloseTo(0.25, Offset.offset(1e-12));
  }

  @Test
  void samplesMatchTheProbabilitiesAndAreReproducible() {
    Zipf z = new Zipf(10, 1.0);
    int[] counts = new int[10];
    Random r = new Random(1);
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      counts[z.sample(r)]++;
    }
    for (int k = 1; k <= 10; k++) {
      assertThat(counts[k - 1] / (double) n).as("rank %d", k).isCloseTo(z.probability(k), Offset.offset(0.005));
    }
    Random a = new Random(9);
    Random b = new Random(9);
    for (int i = 0; i < 100; i++) {
      assertThat(z.sample(a)).isEqualTo(z.sample(b));
    }
  }

  @Test
  void rejectsBadParameters() {
    assertThatThrownBy(() -> new Zipf(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Zipf(3, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Zipf(3, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }
}
