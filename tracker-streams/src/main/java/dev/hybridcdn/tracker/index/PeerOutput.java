package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.internal.HolderAction;
import dev.hybridcdn.schemas.internal.HolderChange;

/**
 * What {@link PeerProcessor} forwards: three kinds of record on one stream, each branched by
 * {@link #kind()} to its own destination in {@link TrackerTopology}.
 */
sealed interface PeerOutput {
  /** Where a kind goes. */
  enum Kind {
    /** Re-keyed by segment id into the segment index (repartition topic, {@link HolderChange}). */
    INDEX,
    /** The global peer directory (app-owned topic, {@link PeerState}). */
    DIRECTORY,
    /** {@code cdn.peer-expirations} ({@link PeerExpired}). */
    EXPIRED
  }

  Kind kind();

  /** A holder added to or removed from a segment; the record key is the segment id. */
  record IndexChange(HolderChange change) implements PeerOutput {
    static IndexChange added(String peerId, long bytes) {
      return new IndexChange(new HolderChange(peerId, HolderAction.ADD, bytes));
    }

    static IndexChange removed(String peerId) {
      return new IndexChange(new HolderChange(peerId, HolderAction.REMOVE, 0L));
    }

    @Override
    public Kind kind() {
      return Kind.INDEX;
    }
  }

  /** A peer directory update; {@code state == null} removes the peer. */
  record DirectoryChange(PeerState state) implements PeerOutput {
    @Override
    public Kind kind() {
      return Kind.DIRECTORY;
    }
  }

  /** A peer expired by the reaper. */
  record Expired(PeerExpired event) implements PeerOutput {
    @Override
    public Kind kind() {
      return Kind.EXPIRED;
    }
  }
}
