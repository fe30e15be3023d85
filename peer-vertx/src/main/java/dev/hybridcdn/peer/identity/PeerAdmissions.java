package dev.hybridcdn.peer.identity;

import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;

/**
 * Admission of a host's peers (issue 16). With {@code CLUSTER_SECRET} the host is the admission
 * issuer of its own peers (a stand-in for a control-plane admission service, README "Trust"): each
 * peer gets a fresh Ed25519 key pair and a token binding its id, key, base URL and region, and signs
 * every event with it. Without it, nothing is signed.
 */
public final class PeerAdmissions {
  private final AdmissionAuthority authority;

  private PeerAdmissions(AdmissionAuthority authority) {
    this.authority = authority;
  }

  /** From the host's settings; signing only when they carry a secret and auth is not off. */
  public static PeerAdmissions of(TrustSettings trust) {
    return new PeerAdmissions(trust.signs() ? AdmissionAuthority.of(trust) : null);
  }

  /** True when peers sign their events. */
  public boolean signing() {
    return authority != null;
  }

  /** The check of holders' tokens in lookup answers (every holder passes when nothing is signed). */
  public AdmittedHolders holderCheck() {
    return new AdmittedHolders(authority);
  }

  /** A new, unadmitted identity, or null when nothing is signed. */
  public NodeIdentity newIdentity() {
    return authority == null ? null : NodeIdentity.generate();
  }

  /**
   * (Re)admits a peer once its base URL is known: a new session, sequences from 1. No-op for null.
   */
  public void admit(NodeIdentity identity, String peerId, String baseUrl, String region) {
    if (identity != null) {
      identity.admit(authority, peerId, AdmissionAuthority.PEER, baseUrl, region);
    }
  }
}
