package dev.hybridcdn.topology.graph;

/**
 * The state of one undirected link {@code a - b} ({@code a < b} lexicographically): the RTT (ms)
 * measured in each direction, NaN when that direction is not measured. Guarded by
 * {@link PeerGraph}'s lock.
 */
final class Link {
  final String a;
  final String b;
  double rttAtoB = Double.NaN;
  double rttBtoA = Double.NaN;

  Link(String a, String b) {
    this.a = a;
    this.b = b;
  }

  /** The link between two nodes, its ends in order. */
  static Link between(String x, String y) {
    return x.compareTo(y) < 0 ? new Link(x, y) : new Link(y, x);
  }

  /** True while at least one direction is measured. */
  boolean measured() {
    return !Double.isNaN(rttAtoB) || !Double.isNaN(rttBtoA);
  }

  /** Records ({@code rttMs}) or forgets ({@code NaN}) the direction measured by {@code from}. */
  void set(String from, double rttMs) {
    if (a.equals(from)) {
      rttAtoB = rttMs;
    } else {
      rttBtoA = rttMs;
    }
  }

  /** The mean of the measured directions, ms. */
  double rtt() {
    if (Double.isNaN(rttAtoB)) {
      return rttBtoA;
    }
    if (Double.isNaN(rttBtoA)) {
      return rttAtoB;
    }
    return (rttAtoB + rttBtoA) / 2;
  }

  /** The end that is not {@code id}. */
  String other(String id) {
    return a.equals(id) ? b : a;
  }
}
