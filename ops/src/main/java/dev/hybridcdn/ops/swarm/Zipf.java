package dev.hybridcdn.ops.swarm;

import java.util.Random;

/**
 * Zipf's law over ranks {@code 1..n}: {@code P(k) = k^-s / H(n,s)}, the popularity law of songs
 * in music catalogues (and of web objects, Breslau et al., "Web Caching and Zipf-like
 * Distributions", INFOCOM 1999). Sampling inverts the cumulative distribution by binary search.
 */
public final class Zipf {
  private final double[] cumulative;

  /**
   * @param n number of ranks, at least 1
   * @param exponent {@code s}, at least 0 (0 is uniform; about 1 for music popularity)
   * @throws IllegalArgumentException on n &lt; 1 or a negative or non-finite exponent
   */
  public Zipf(int n, double exponent) {
    if (n < 1 || !(exponent >= 0) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("Zipf needs n >= 1 and a finite exponent >= 0: n=" + n + " s=" + exponent);
    }
    cumulative = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += Math.pow(k, -exponent);
      cumulative[k - 1] = sum;
    }
    for (int i = 0; i < n; i++) {
      cumulative[i] /= sum;
    }
  }

  /** Probability of rank {@code k} (1-based). */
  public double probability(int k) {
    return cumulative[k - 1] - (k == 1 ? 0 : cumulative[k - 2]);
  }

  /** A rank from 0 (the most popular) to n-1. */
  public int sample(Random random) {
    double u = random.nextDouble();
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
