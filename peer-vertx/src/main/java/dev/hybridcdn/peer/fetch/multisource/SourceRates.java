package dev.hybridcdn.peer.fetch.multisource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measured download throughput per source (holder peer id or edge id), in bytes/s: the capacities of
 * the max-flow plan ({@link ChunkAssignment}). Each chunk that arrives is one sample: a whole
 * segment's bytes over the time from request to last byte, or a chunked download's bytes from the
 * source over the time its requests have been out there without a break; smoothed with an EMA
 * (alpha {@value #ALPHA}). A source never measured is assumed as fast as the median measured one, or
 * {@value #DEFAULT_BYTES_PER_SECOND} bytes/s when none is. Bounded at {@value #MAX_SOURCES} entries
 * (cleared when full). Thread-safe.
 */
public final class SourceRates {
  /** Weight of the newest sample. */
  static final double ALPHA = 0.5;
  /** Assumed throughput of a source when none was measured yet: 1 MB/s (8 Mbit/s). */
  public static final double DEFAULT_BYTES_PER_SECOND = 1_000_000;
  static final int MAX_SOURCES = 4096;

  /** Kept share of a peak per new sample below it (peak rates). */
  static final double PEAK_DECAY = 0.8;

  private final Map<String, Double> rates = new ConcurrentHashMap<>();
  private final boolean peak;

  /** Smoothed rates (EMA), the plan's capacities. */
  public SourceRates() {
    this(false);
  }

  /**
   * @param peak keep each source's best recent throughput instead of the EMA: a new sample above it
   *     replaces it, one below lowers it to {@code max(sample, 0.8 x peak)}; what a link carries
   *     when nothing else shares it (an edge's samples are lowered by this peer's other downloads)
   */
  public SourceRates(boolean peak) {
    this.peak = peak;
  }

  /** One chunk of {@code bytes} arrived from {@code sourceId} {@code elapsedNanos} after it was asked for. */
  public void sample(String sourceId, long bytes, long elapsedNanos) {
    if (bytes <= 0 || elapsedNanos <= 0) {
      return;
    }
    if (rates.size() >= MAX_SOURCES && !rates.containsKey(sourceId)) {
      rates.clear();
    }
    double rate = bytes * 1e9 / elapsedNanos;
    rates.merge(sourceId, rate, peak ? (old, now) -> Math.max(now, old * PEAK_DECAY)
        : (old, now) -> old + ALPHA * (now - old));
  }

  /** Throughput in bytes/s: measured, else the median measured one, else the default. */
  public double bytesPerSecond(String sourceId) {
    Double r = rates.get(sourceId);
    if (r != null) {
      return r;
    }
    List<Double> known = new ArrayList<>(rates.values());
    if (known.isEmpty()) {
      return DEFAULT_BYTES_PER_SECOND;
    }
    known.sort(null);
    return known.get(known.size() / 2);
  }

  /** True when no source has been measured yet. */
  public boolean isEmpty() {
    return rates.isEmpty();
  }

  /** True when {@code sourceId} has been measured. */
  public boolean measured(String sourceId) {
    return rates.containsKey(sourceId);
  }
}
