package dev.hybridcdn.origin.ingest;

import dev.hybridcdn.contract.manifest.Manifest;

/**
 * What one ingest stored and announced.
 *
 * @param manifest the stored manifest (same content as the published SongPublished)
 * @param transcodeMs wall time of the ffmpeg run, ms
 * @param totalMs wall time of the whole ingest (probe, transcode, hash, store, publish), ms
 */
public record IngestResult(Manifest manifest, long transcodeMs, long totalMs) {
  /** Seconds of audio ingested (all renditions) per second of wall time. */
  public double speed() {
    return totalMs <= 0 ? 0 : (double) manifest.durationMs() / totalMs;
  }
}
