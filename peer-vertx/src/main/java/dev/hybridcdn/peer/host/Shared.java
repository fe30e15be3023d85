package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.peer.identity.PeerAdmissions;
import dev.hybridcdn.peer.identity.UpstreamTokens;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.ext.web.client.WebClient;

/**
 * What every peer of a host shares, so a hosted peer costs little heap: one Vert.x, one HTTP
 * client (one connection pool: {@code http} for segment GETs read under a size cap, {@code client}
 * the WebClient over it), one event publisher (one Kafka producer), one Prometheus registry, one
 * manifest store, one admission issuer, one player-token signer and checker; the TLS trust of its clients
 * ({@code TLS_CA_FILE}).
 */
record Shared(Vertx vertx, HttpClient http, WebClient client, EventPublisher publisher, Metrics metrics,
    ManifestStore manifests, PeerAdmissions admissions, UpstreamTokens upstream, TlsSettings tls) {

  /** The client every peer of a host shares; with a source address, one peer's own. */
  static HttpClient httpClient(Vertx vertx, String sourceAddress, TlsSettings tls) {
    io.vertx.core.http.HttpClientOptions options = tls.client(new io.vertx.core.http.HttpClientOptions().setKeepAlive(true)
        .setTcpNoDelay(true).setDecompressionSupported(false));
    if (!sourceAddress.isEmpty()) {
      options.setLocalAddress(sourceAddress);
    }
    return vertx.createHttpClient(options, new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32)); // per holder or edge, per host
  }

  static WebClient webClient(HttpClient http) {
    return WebClient.wrap(http, new io.vertx.ext.web.client.WebClientOptions().setUserAgent("hybrid-cdn-peer"));
  }

  /**
   * For a peer with a source address of its own: its own HTTP client (connections leave from that
   * address and are never shared with another peer), the rest shared.
   */
  Shared forSource(String sourceAddress) {
    if (sourceAddress.isEmpty()) {
      return this;
    }
    HttpClient own = httpClient(vertx, sourceAddress, tls);
    return new Shared(vertx, own, webClient(own), publisher, metrics, manifests, admissions, upstream, tls);
  }
}
