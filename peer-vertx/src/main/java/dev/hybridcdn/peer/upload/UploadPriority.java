package dev.hybridcdn.peer.upload;

/**
 * How soon a requester needs a segment it asks a holder for, sent as HTTP's {@code Priority} header (RFC 9218,
 * "Extensible Prioritization Scheme for HTTP": urgency {@code u} from 0, most urgent, to 7; 3 when absent).
 * A holder books {@link #BACKGROUND} uploads on its uplink only while they leave part of its queue free
 * ({@link UplinkBudget}), so a thin uplink busy with read-ahead from peers far behind the playhead still
 * accepts the segment a player needs next (p2p-media-loader's split: the HTTP window is urgent, the P2P
 * window fills with what is left).
 */
public enum UploadPriority {
  /** A player waits for the segment or soon will: its miss, steady play's next segment, a start-up burst. */
  URGENT(null),
  /** Read-ahead with time to spare: the P2P window, warm starts. Urgency 6 of RFC 9218's 0-7. */
  BACKGROUND("u=6");

  /** The request header (RFC 9218 section 5). */
  public static final String HEADER = "Priority";
  /** Urgencies above RFC 9218's default (3) are background. */
  private static final int DEFAULT_URGENCY = 3;

  private final String header;

  UploadPriority(String header) {
    this.header = header;
  }

  /** The {@code Priority} header value a requester sends, or null (none: the default urgency). */
  public String header() {
    return header;
  }

  /**
   * The priority of a request from its {@code Priority} header: background when its urgency is above the
   * default (4 to 7). Absent, malformed or out of range (RFC 9218 section 4: a server ignores what it cannot
   * parse): urgent, as every requester's was before the header was sent.
   *
   * @param header the header's value, a Structured Fields dictionary such as {@code u=6, i}; may be null
   */
  public static UploadPriority of(String header) {
    if (header == null) {
      return URGENT;
    }
    for (String member : header.split(",")) {
      String m = member.strip();
      int semicolon = m.indexOf(';');
      if (semicolon >= 0) {
        m = m.substring(0, semicolon); // parameters of a member are ignored
      }
      if (m.length() == 3 && m.startsWith("u=") && m.charAt(2) >= '0' && m.charAt(2) <= '7') {
        return m.charAt(2) - '0' > DEFAULT_URGENCY ? BACKGROUND : URGENT;
      }
    }
    return URGENT;
  }
}
