package dev.hybridcdn.peer.metrics;

import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.metrics.LatencyHistogram;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One peer's counters in the host's Prometheus registry, each tagged {@code peer=<id>}:
 * {@code cdn_peer_player_requests_total{source}}, {@code cdn_peer_player_bytes_total{source}}
 * (source = local|peer|edge|origin), {@code cdn_peer_uploads_total},
 * {@code cdn_peer_upload_rejections_total{reason}} (reason = upload_slots_full|uplink_busy, the 503's
 * error code), {@code cdn_peer_integrity_failures_total} (wrong or
 * oversized bodies from holders), {@code cdn_peer_slow_readers_total} (connections closed by
 * {@code WRITE_TIMEOUT_MS}), {@code cdn_peer_player_hedges_total} (player requests that also asked
 * the edges after {@code PLAYER_HEDGE_MS}), {@code cdn_peer_player_hedge_wins_total} (of those, the
 * ones the edges answered first).
 */
public final class PeerMeters {
  private final MeterRegistry registry;
  private final Map<Tier, Counter> requests = new EnumMap<>(Tier.class);
  private final Map<Tier, Counter> bytes = new EnumMap<>(Tier.class);
  private final Map<Tier, Timer> latency = new EnumMap<>(Tier.class);
  private final Counter uploads;
  private final Map<Refusal, Counter> rejections = new EnumMap<>(Refusal.class);
  private final Counter integrityFailures;
  private final Counter slowReaders;
  private final Counter hedges;
  private final Counter hedgeWins;

  public PeerMeters(MeterRegistry registry, String peerId) {
    this.registry = registry;
    for (Tier t : Tier.values()) {
      String source = t.name().toLowerCase(Locale.ROOT);
      requests.put(t, Counter.builder("cdn.peer.player.requests").tag("source", source).tag("peer", peerId)
          .description("player segment requests answered, by where the bytes came from").register(registry));
      bytes.put(t, Counter.builder("cdn.peer.player.bytes").tag("source", source).tag("peer", peerId)
          .baseUnit("bytes").description("segment bytes sent to players, by source").register(registry));
      latency.put(t, LatencyHistogram.register(registry, "cdn.peer.player.latency",
          "a player's segment request, arrival to the answer handed to the socket, by source", "source", source,
          "peer", peerId));
    }
    uploads = Counter.builder("cdn.peer.uploads").tag("peer", peerId)
        .description("segments uploaded to other peers").register(registry);
    for (Refusal r : Refusal.values()) {
      rejections.put(r, Counter.builder("cdn.peer.upload.rejections").tag("reason", r.code()).tag("peer", peerId)
          .description("peer requests refused with 503: upload slots busy or the requester choked"
              + " (upload_slots_full), or the uplink's backlog too long (uplink_busy)").register(registry));
    }
    integrityFailures = Counter.builder("cdn.peer.integrity.failures").tag("peer", peerId)
        .description("segments from other peers whose SHA-256 or size did not match the manifest").register(registry);
    slowReaders = Counter.builder("cdn.peer.slow.readers").tag("peer", peerId)
        .description("connections closed because an answer was not taken within WRITE_TIMEOUT_MS").register(registry);
    hedges = Counter.builder("cdn.peer.player.hedges").tag("peer", peerId)
        .description("player requests also asked of the edges because the fetch took over PLAYER_HEDGE_MS")
        .register(registry);
    hedgeWins = Counter.builder("cdn.peer.player.hedge.wins").tag("peer", peerId)
        .description("hedged player requests the edges answered before the fetch").register(registry);
  }

  /**
   * One answered player request.
   *
   * @param byteCount body bytes sent
   * @param latencyNanos from the request's arrival to the answer written, ns
   */
  public void delivered(Tier tier, long byteCount, long latencyNanos) {
    requests.get(tier).increment();
    bytes.get(tier).increment(byteCount);
    latency.get(tier).record(latencyNanos, TimeUnit.NANOSECONDS);
  }

  public void uploaded() {
    uploads.increment();
  }

  /** Why a holder refused another peer's request with 503: the error code it answered. */
  public enum Refusal {
    /** Every upload slot busy, or the requester choked ({@code UploadSlots}). */
    UPLOAD_SLOTS_FULL,
    /** The upload would wait longer than {@code UPLOAD_QUEUE_MS} behind the uplink's backlog ({@code UplinkBudget}). */
    UPLINK_BUSY;

    /** The 503's error code, {@code upload_slots_full} or {@code uplink_busy}. */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public void rejected(Refusal why) {
    rejections.get(why).increment();
  }

  public void integrityFailure() {
    integrityFailures.increment();
  }

  public void slowReader() {
    slowReaders.increment();
  }

  public void hedged() {
    hedges.increment();
  }

  public void hedgeWon() {
    hedgeWins.increment();
  }

  /** Player requests also asked of the edges ({@code PLAYER_HEDGE_MS}). */
  public double hedges() {
    return hedges.count();
  }

  /** Hedged player requests the edges answered first. */
  public double hedgeWins() {
    return hedgeWins.count();
  }

  /** Peer requests refused with 503, for either reason. */
  public double rejections() {
    return rejections.values().stream().mapToDouble(Counter::count).sum();
  }

  /** Peer requests refused with 503 for {@code why}. */
  public double rejections(Refusal why) {
    return rejections.get(why).count();
  }

  public double slowReaders() {
    return slowReaders.count();
  }

  public double integrityFailures() {
    return integrityFailures.count();
  }

  /** Player requests answered from {@code tier}. */
  public double requests(Tier tier) {
    return requests.get(tier).count();
  }

  /** Removes this peer's meters (peer stopped). */
  public void remove() {
    requests.values().forEach(registry::remove);
    bytes.values().forEach(registry::remove);
    registry.remove(uploads);
    rejections.values().forEach(registry::remove);
    registry.remove(integrityFailures);
    registry.remove(slowReaders);
    registry.remove(hedges);
    registry.remove(hedgeWins);
  }
}
