package dev.hybridcdn.peer.relay;

import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.TrackerClient;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import io.vertx.core.Future;
import io.vertx.ext.web.client.WebClient;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Base URLs of peers named only by id on a path: the neighbours this peer measures (holders the
 * tracker offered, its relay), else the tracker's {@code GET /peers/{peerId}} ({@code baseUrl}),
 * kept only when the holder check admits it (with signing on, an entry without this cluster's token
 * is refused, so a path can never point a relay at an arbitrary URL). Never fails.
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
        io.vertx.core.json.JsonObject o = ar.result().bodyAsJsonObject();
        String url = o.getString("baseUrl");
        return Future.succeededFuture(url != null && (url.startsWith("http://") || url.startsWith("https://"))
            && check.admitted(peerId, url, o.getString("token")) ? Optional.of(url) : Optional.empty());
      } catch (RuntimeException e) {
        return Future.succeededFuture(Optional.empty());
      }
    });
  }
}
