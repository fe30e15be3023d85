package dev.hybridcdn.peer.probe;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The links one peer measures: its configured edges (all of them, always) and its most recent
 * neighbour peers (holders it was offered by the tracker; at most {@link #MAX_NEIGHBOURS}, least
 * recently seen dropped first, which keeps a hosted peer's memory bounded). Thread-safe.
 */
public final class LinkTable {
  /** Neighbours probed per peer. */
  public static final int MAX_NEIGHBOURS = 8;

  private final List<Link> edges;
  private final LinkedHashMap<String, Link> neighbours = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Link> eldest) {
      return size() > MAX_NEIGHBOURS;
    }
  };

  /** @param edgeUrls edge base URLs in configuration order */
  public LinkTable(List<String> edgeUrls) {
    List<Link> list = new ArrayList<>();
    for (String url : edgeUrls) {
      list.add(new Link(Link.Kind.EDGE, edgeName(url), url, null));
    }
    this.edges = List.copyOf(list);
  }

  /** A node id for an edge whose id is not known yet: {@code edge-<host>-<port>}. */
  public static String edgeName(String url) {
    URI uri = URI.create(url);
    int port = uri.getPort() > 0 ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
    String name = "edge-" + uri.getHost() + "-" + port;
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /**
   * Edges to ask, best first: edges that are up by lowest smoothed RTT, then unmeasured ones in
   * configuration order, then the ones that are down (last resort, still tried when nothing else
   * answers). A hung edge thus stops being preferred after its first failed probe or request.
   */
  public List<Link> edgesByRtt() {
    List<Link> sorted = new ArrayList<>(edges);
    sorted.sort(Comparator.comparing(Link::isDown)
        .thenComparingDouble(l -> Double.isNaN(l.rttMs()) ? Double.MAX_VALUE : l.rttMs()));
    return sorted;
  }

  /** The first of {@link #edgesByRtt()} that is up (lowest RTT), or null when every edge is down. */
  public Link bestEdge() {
    return edgesByRtt().stream().filter(l -> !l.isDown()).findFirst().orElse(null);
  }

  public List<Link> edges() {
    return edges;
  }

  /** Notes a neighbour peer (a holder offered by the tracker or used). */
  public synchronized void neighbour(String peerId, String baseUrl, String region) {
    Link existing = neighbours.get(peerId);
    if (existing == null || !existing.url().equals(baseUrl)) {
      neighbours.put(peerId, new Link(Link.Kind.PEER, peerId, baseUrl, region));
    }
  }

  public synchronized void forget(String peerId) {
    neighbours.remove(peerId);
  }

  public synchronized List<Link> neighbours() {
    return new ArrayList<>(neighbours.values());
  }

  /** Mean smoothed RTT (ms) over measured neighbour peers; null when none is measured yet. */
  public synchronized Double meanNeighbourRttMs() {
    double sum = 0;
    int n = 0;
    for (Link l : neighbours.values()) {
      double r = l.rttMs();
      if (!Double.isNaN(r)) {
        sum += r;
        n++;
      }
    }
    return n == 0 ? null : sum / n;
  }
}
