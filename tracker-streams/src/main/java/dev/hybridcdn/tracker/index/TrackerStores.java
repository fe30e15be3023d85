package dev.hybridcdn.tracker.index;

/**
 * Every store, processor, source, sink and internal topic name of the tracker topology, in one
 * place (STYLE.md: no auto-generated names leak into tests or changelog topics). Streams prefixes
 * internal topics with the application id, e.g. {@code cdn-tracker-tracker-segment-holders-changelog}.
 */
public final class TrackerStores {
  private TrackerStores() {}

  /** Peer id -> {@link PeerState}: live (and pending) peers, partitioned like {@code cdn.peer-events}. */
  public static final String PEERS = "tracker-peers";
  /** {@code peerId|segmentId} -> segment bytes (long): what each peer holds, for removal on expiry or leave. */
  public static final String PEER_HOLDINGS = "tracker-peer-holdings";
  /** Windowed (tumbling) per-peer load: peer id -> {@link LoadWindow} (heartbeats, uploaded bytes). */
  public static final String PEER_LOAD_WINDOWS = "tracker-peer-load-windows";
  /** {@code segmentId|peerId} -> segment bytes (long): the segment index, partitioned by segment id. */
  public static final String SEGMENT_HOLDERS = "tracker-segment-holders";
  /** Segment id -> number of holders (int), for {@code /content} without a full index scan. */
  public static final String SEGMENT_HOLDER_COUNTS = "tracker-segment-holder-counts";
  /**
   * Global (every instance) peer id -> {@link PeerState} of announced live peers; ranking reads it.
   * Fed by the compacted app-owned topic {@code AppTopic.TRACKER_PEER_DIRECTORY} (schemas),
   * {@code <applicationId>-tracker-peer-directory}, created at start.
   */
  public static final String PEER_DIRECTORY = "tracker-peer-directory";

  /**
   * {@code nodeId|topic} -> last {@code session:sequence} of its signed events (streams-kit
   * {@code SequenceGuard}): a replay is not after it.
   */
  public static final String EVENT_SEQUENCES = "tracker-event-sequences";

  /**
   * Global (every instance) catalog key -> SongPublished / SongRetired bytes, from {@code cdn.catalog};
   * decoded into the {@link SegmentCatalog} holdings are checked against.
   */
  public static final String CATALOG = "tracker-catalog";
  public static final String CATALOG_SOURCE = "tracker-catalog-source";

  /** Holder id -> {@code reporter=epochMs,...}: recent distinct reporters of each holder (HolderReported). */
  public static final String HOLDER_REPORTS = "tracker-holder-reports";
  public static final String HOLDER_REPORTS_SOURCE = "tracker-holder-reports-source";
  public static final String MERGE_REPORTS = "tracker-merge-holder-reports";

  /** Repartition topic (suffix {@code -repartition} added by Streams): holder changes keyed by segment id. */
  public static final String HOLDINGS_BY_SEGMENT = "tracker-holdings-by-segment";

  public static final String PEER_EVENTS_SOURCE = "tracker-peer-events-source";
  public static final String SEGMENT_EVENTS_SOURCE = "tracker-segment-events-source";
  public static final String LINK_EVENTS_SOURCE = "tracker-link-events-source";
  public static final String PEER_DIRECTORY_SOURCE = "tracker-peer-directory-source";
  public static final String MERGE_PEER_SEGMENT = "tracker-merge-peer-and-segment-events";
  public static final String MERGE_LINKS = "tracker-merge-link-events";
  public static final String PEER_PROCESSOR = "tracker-peer-liveness";
  public static final String INDEX_CHANGES = "tracker-index-changes";
  public static final String INDEX_CHANGE_VALUES = "tracker-index-change-values";
  public static final String DIRECTORY_CHANGES = "tracker-directory-changes";
  public static final String DIRECTORY_CHANGE_VALUES = "tracker-directory-change-values";
  public static final String DIRECTORY_SINK = "tracker-peer-directory-sink";
  public static final String EXPIRATIONS = "tracker-expirations";
  public static final String EXPIRATION_VALUES = "tracker-expiration-values";
  public static final String EXPIRATIONS_SINK = "tracker-peer-expirations-sink";
  public static final String SEGMENT_INDEX_PROCESSOR = "tracker-segment-index";

  /** Separator of composite keys; neither segment ids nor peer ids may contain it (Ids). */
  public static final char SEP = '|';

  /** {@code a|b}. */
  public static String composite(String a, String b) {
    return a + SEP + b;
  }

  /** The part after {@link #SEP}. */
  public static String second(String composite) {
    return composite.substring(composite.indexOf(SEP) + 1);
  }
}
