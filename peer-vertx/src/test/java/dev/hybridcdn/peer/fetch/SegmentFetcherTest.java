package dev.hybridcdn.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SegmentFetcherTest {
  @Test
  void aReadAheadFromHoldersWaitsForASegmentOnAThinUplink() {
    // 240 KB at 2 Mbit/s: 960 ms, half as much again and a 50 ms round trip
    assertThat(SegmentFetcher.patientHolderMs(240_000, 500)).isEqualTo(1490);
    // a small segment keeps PEER_TIMEOUT_MS
    assertThat(SegmentFetcher.patientHolderMs(20_000, 500)).isEqualTo(500);
  }
}
