package dev.hybridcdn.peer.identity;

import dev.hybridcdn.peer.fetch.TrackerClient;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.AdmissionException;
import dev.hybridcdn.servicekit.identity.AdmissionToken;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No server-side request forgery through the tracker (issue 16): a peer fetches segments from, and
 * probes, only holders whose lookup entry carries an admission token of this cluster that names that
 * peer (a peer, not an edge) and binds that very base URL. A holder pointed at the origin, at an edge,
 * or at any other address nobody was admitted with is never contacted; edges come from {@code EDGE_URLS}
 * only. With signing off every holder passes (the tracker takes unsigned announcements too then).
 */
public final class AdmittedHolders implements TrackerClient.HolderCheck {
  private static final Logger LOG = LoggerFactory.getLogger(AdmittedHolders.class);
  private final AdmissionAuthority authority;
  private final AtomicLong refused = new AtomicLong();

  /** @param authority checks tokens (the host's), or null: every holder passes */
  public AdmittedHolders(AdmissionAuthority authority) {
    this.authority = authority;
  }

  @Override
  public boolean admitted(String peerId, String baseUrl, String token) {
    if (authority == null) {
      return true;
    }
    String why;
    if (token == null) {
      why = "no admission token";
    } else {
      try {
        AdmissionToken t = authority.verify(token);
        if (!AdmissionAuthority.PEER.equals(t.kind()) || !peerId.equals(t.nodeId())) {
          why = "token of " + t.kind() + " " + t.nodeId();
        } else if (!strip(baseUrl).equals(strip(t.baseUrl()))) {
          why = "token binds " + t.baseUrl();
        } else {
          return true;
        }
      } catch (AdmissionException e) {
        why = e.getMessage();
      }
    }
    refused.incrementAndGet();
    LOG.debug("holder {} at {} not contacted: {}", peerId, baseUrl, why);
    return false;
  }

  /** Holders refused so far. */
  public long refused() {
    return refused.get();
  }

  private static String strip(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
