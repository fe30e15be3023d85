package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.peer.identity.PeerAdmissions;
import dev.hybridcdn.servicekit.http.KeepAlive;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
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
 * manifest store, one admission issuer, one player-token signer and checker, the TLS trust of its
 * clients ({@code TLS_CA_FILE}), and {@code control}, the host's client for the tracker (the control
 * plane), which stays the host's own when a peer gets a client of its own.
 */
record Shared(Vertx vertx, HttpClient http, WebClient client, WebClient control, EventPublisher publisher,
    Metrics metrics, ManifestStore manifests, PeerAdmissions admissions, UpstreamTokens upstream, TlsSettings tls) {
  /** A peer's own client (source address): connections per holder or edge, at most. */
  static final int OWN_POOL_PER_DESTINATION = 8;
  /** A peer's own client: an idle pooled connection is closed after this long, seconds. */
  static final int OWN_KEEP_ALIVE_S = 10;

  /**
   * The client every peer of a host shares; with a source address, one peer's own. A peer's own
   * client keeps fewer connections: at most {@value #OWN_POOL_PER_DESTINATION} per destination
   * (enough for {@code MAX_DOWNLOADS}, a player fetch and a probe) and idle ones for
   * {@value #OWN_KEEP_ALIVE_S} s instead of {@link KeepAlive}'s 30 (above the 5 s probe period, so a probe
   * finds its connection and measures no handshake). A host of a thousand peers with clients of
   * their own (an emulated network) would otherwise hold burst connections open for a minute each,
   * and run out of file descriptors (ops README, 6.1.3).
   */
  static HttpClient httpClient(Vertx vertx, String sourceAddress, TlsSettings tls) {
    io.vertx.core.http.HttpClientOptions options = tls.client(KeepAlive.client(new io.vertx.core.http.HttpClientOptions())
        .setTcpNoDelay(true).setDecompressionSupported(false));
    int perDestination = 32; // per holder or edge, per host
    if (!sourceAddress.isEmpty()) {
      options.setLocalAddress(sourceAddress).setKeepAliveTimeout(OWN_KEEP_ALIVE_S);
      perDestination = OWN_POOL_PER_DESTINATION;
    }
    return vertx.createHttpClient(options, new io.vertx.core.http.PoolOptions().setHttp1MaxSize(perDestination));
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
    return new Shared(vertx, own, webClient(own), control, publisher, metrics, manifests, admissions, upstream, tls);
  }
}
