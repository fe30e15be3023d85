package dev.hybridcdn.tracker;

import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.streamskit.StreamsApp;
import dev.hybridcdn.tracker.http.TrackerHttp;
import dev.hybridcdn.tracker.index.HolderIndex;
import dev.hybridcdn.tracker.index.PeerDirectory;
import dev.hybridcdn.tracker.index.ReapGate;
import dev.hybridcdn.tracker.index.TrackerTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * The tracker's parts for the streams-kit skeleton: one peer directory, holder index and metrics
 * registry per instance, shared by the topology (which fills them) and every HTTP event loop
 * (which reads them); one {@link TrackerHttp} whose router is made once per HTTP instance.
 */
final class TrackerWiring implements StreamsApp.Wiring {
  private final TrackerConfig config;
  private final Metrics metrics = new Metrics();
  private final PeerDirectory directory = new PeerDirectory();
  private final HolderIndex holderIndex = new HolderIndex();
  private final ReapGate reapGate;
  private TrackerHttp http;

  TrackerWiring(TrackerConfig config) {
    this.config = config;
    this.reapGate = new ReapGate(config);
  }

  @Override
  public Topology topology(StreamsApp.Context context) {
    Counter expirations = Counter.builder("cdn.tracker.expirations").description("peers expired by the reaper")
        .register(metrics.registry());
    Counter skipped = Counter.builder("cdn.tracker.skipped.records")
        .description("decodable records skipped for invalid ids or values").register(metrics.registry());
    Counter unknownHeartbeats = Counter.builder("cdn.tracker.unknown.heartbeats")
        .description("heartbeats from peers not announced (never, or expired), ignored").register(metrics.registry());
    Gauge.builder("cdn.tracker.reaping.paused", () -> reapGate.state(System.currentTimeMillis())
        == ReapGate.State.ACTIVE ? 0 : 1).description("1 while the reaper is paused: input stalled or in its grace")
        .register(metrics.registry());
    Gauge.builder("cdn.tracker.live.peers", directory::size).description("announced live peers in the peer directory")
        .register(metrics.registry());
    Counter unknownClaims = Counter.builder("cdn.tracker.claims.refused").tag("reason", "unknown_segment")
        .description("holdings not indexed: segment not in cdn.catalog, or over the peer's claim rate")
        .register(metrics.registry());
    Counter limitedClaims = Counter.builder("cdn.tracker.claims.refused").tag("reason", "rate_limited")
        .description("holdings not indexed: segment not in cdn.catalog, or over the peer's claim rate")
        .register(metrics.registry());
    Counter rttRejected = Counter.builder("cdn.tracker.rtt.rejected")
        .description("self-reported mean RTTs not believed (NaN, infinite, negative, over 60 s)")
        .register(metrics.registry());
    Counter demotions = Counter.builder("cdn.tracker.holder.demotions")
        .description("holders demoted after reports (HolderReported) of several distinct peers")
        .register(metrics.registry());
    TrackerTopology.Listener listener = new TrackerTopology.Listener() {
      @Override
      public void claimRefused(String reason) {
        ("rate_limited".equals(reason) ? limitedClaims : unknownClaims).increment();
      }

      @Override
      public void rttRejected() {
        rttRejected.increment();
      }

      @Override
      public void demoted(String peerId) {
        demotions.increment();
      }

      @Override
      public void expired(String peerId) {
        expirations.increment();
      }

      @Override
      public void skipped() {
        skipped.increment();
      }

      @Override
      public void unknownHeartbeat() {
        unknownHeartbeats.increment();
      }
    };
    return TrackerTopology.buildTopology(config, listener, directory, holderIndex, reapGate);
  }

  @Override
  public void configure(Properties streamsConfig, StreamsApp.Context context) {
    TrackerTopology.configure(streamsConfig, config, context.self().port());
  }

  @Override
  public synchronized Handler<HttpServerRequest> http(StreamsApp.Context context, KafkaStreams streams) {
    if (http == null) {
      http = new TrackerHttp(context.vertx(), config, streams, context.self(), metrics, directory, holderIndex);
    }
    return http.router();
  }

  @Override
  public synchronized void stateChanged(KafkaStreams.State now, KafkaStreams.State before) {
    if (http != null) {
      http.stateChanged();
    }
  }

  @Override
  public synchronized void close() {
    if (http != null) {
      http.close();
    }
  }
}
