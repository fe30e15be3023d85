package dev.hybridcdn.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.Tier;
import org.junit.jupiter.api.Test;

class FetchLedgerTest {
  @Test
  void snapshotSumsSegmentsAndBytesPerPurposeAndTierAndCountsEvents() {
    FetchLedger ledger = new FetchLedger();
    ledger.fetched(FetchLedger.Purpose.HTTP_WINDOW, Tier.EDGE, 200_000);
    ledger.fetched(FetchLedger.Purpose.HTTP_WINDOW, Tier.EDGE, 150_000);
    ledger.fetched(FetchLedger.Purpose.P2P_WINDOW, Tier.PEER, 180_000);
    ledger.count(FetchLedger.Event.AHEAD_NO_HOLDERS);
    ledger.count(FetchLedger.Event.AHEAD_NO_HOLDERS);
    ledger.add(FetchLedger.Event.CHUNK_REQUESTS, 5);
    ledger.add(FetchLedger.Event.CHUNK_REQUESTS, 3);

    assertThat(ledger.snapshot())
        .containsEntry("segments.http_window.edge", 2L)
        .containsEntry("bytes.http_window.edge", 350_000L)
        .containsEntry("segments.p2p_window.peer", 1L)
        .containsEntry("bytes.p2p_window.peer", 180_000L)
        .containsEntry("ahead_no_holders", 2L)
        .containsEntry("holder_timeout", 0L)
        .containsEntry("chunk_requests", 8L)
        .doesNotContainKey("segments.player.edge"); // nothing fetched for it: left out
    assertThat(ledger.total(FetchLedger.Event.AHEAD_NO_HOLDERS)).isEqualTo(2);
  }
}
