package dev.hybridcdn.peer.relay;

import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.TrackerClient;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Base URLs of peers named only by id on a path: the neighbours this peer measures (holders the
 * tracker offered, its relay), else the tracker's {@code GET /peers/{peerId}} ({@code baseUrl}),
 * kept only when the holder check admits it (with signing on, an entry without this cluster's token
 * is refused, so a path can never point a relay at an arbitrary URL); and the peers another peer
 * measures links to (its {@code links}), where a peer behind NAT's relay is found. Never fails.
 */
public final class PeerDirectory {
  private final LinkTable links;
  private final WebClient client;
  private final Supplier<String> trackerUrl;
  private final TrackerClient.HolderCheck check;

  /** @param trackerUrl the tracker instance lookups go to now */
  public PeerDirectory(LinkTable links, WebClient client, Supplier<String> trackerUrl, TrackerClient.HolderCheck check) {
    this.links = links;
    this.client = client;
    this.trackerUrl = trackerUrl;
    this.check = check;
  }

  /** @return the peer's base URL, empty when unknown within {@code boundMs} */
  public Future<Optional<String>> baseUrl(String peerId, long boundMs) {
    for (Link l : links.neighbours()) {
      if (l.id().equals(peerId)) {
        return Future.succeededFuture(Optional.of(l.url()));
      }
    }
    return Http.get(client, trackerUrl.get() + "/peers/" + peerId, boundMs, null, null).transform(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        return Future.succeededFuture(Optional.empty());
      }
      try {
        JsonObject o = ar.result().bodyAsJsonObject();
        String url = o.getString("baseUrl");
        return Future.succeededFuture(url != null && (url.startsWith("http://") || url.startsWith("https://"))
            && check.admitted(peerId, url, o.getString("token")) ? Optional.of(url) : Optional.empty());
      } catch (RuntimeException e) {
        return Future.succeededFuture(Optional.empty());
      }
    });
  }

  /**
   * The nodes {@code peerId} measures links to, nearest first: the tracker's {@code GET
   * /peers/{peerId}} {@code "links":{nodeId: rttMs}}. A peer behind NAT measures its relay (it pings
   * it) and the peers it downloaded from, so its relay is among these.
   *
   * @return node ids by RTT (ms) ascending, ties by id; empty when the tracker does not answer within
   *     {@code boundMs}, does not know the peer, or answers no valid links
   */
  public Future<List<String>> measuredLinks(String peerId, long boundMs) {
    return Http.get(client, trackerUrl.get() + "/peers/" + peerId, boundMs, null, null).transform(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        return Future.succeededFuture(List.of());
      }
      try {
        return Future.succeededFuture(byRtt(ar.result().bodyAsJsonObject().getJsonObject("links")));
      } catch (RuntimeException e) {
        return Future.succeededFuture(List.of());
      }
    });
  }

  /** Valid node ids of a {@code links} object by RTT ascending, ties by id; entries that are not ids or numbers dropped. */
  static List<String> byRtt(JsonObject links) {
    List<Map.Entry<String, Double>> valid = new ArrayList<>();
    if (links != null) {
      for (Map.Entry<String, Object> e : links) {
        if (Ids.isNodeId(e.getKey()) && e.getValue() instanceof Number n
            && Double.isFinite(n.doubleValue()) && n.doubleValue() >= 0) {
          valid.add(Map.entry(e.getKey(), n.doubleValue()));
        }
      }
    }
    valid.sort(Map.Entry.<String, Double>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
    return valid.stream().map(Map.Entry::getKey).toList();
  }
}
