package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

/**
 * What every peer of a host shares, so a hosted peer costs little heap: one Vert.x, one
 * WebClient (one connection pool), one event publisher (one Kafka producer), one Prometheus
 * registry, one manifest store.
 */
record Shared(Vertx vertx, WebClient client, EventPublisher publisher, Metrics metrics, ManifestStore manifests) {}
