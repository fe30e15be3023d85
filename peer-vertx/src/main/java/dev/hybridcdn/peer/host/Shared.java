package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.peer.identity.PeerAdmissions;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.ext.web.client.WebClient;

/**
 * What every peer of a host shares, so a hosted peer costs little heap: one Vert.x, one HTTP
 * client (one connection pool: {@code http} for segment GETs read under a size cap, {@code client}
 * the WebClient over it), one event publisher (one Kafka producer), one Prometheus registry, one
 * manifest store, one admission issuer.
 */
record Shared(Vertx vertx, HttpClient http, WebClient client, EventPublisher publisher, Metrics metrics,
    ManifestStore manifests, PeerAdmissions admissions) {}
