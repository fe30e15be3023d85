package dev.hybridcdn.servicekit.identity;

import java.security.PublicKey;

/**
 * What an admission token binds (a verified JWT's claims).
 *
 * @param nodeId {@code sub}: the peer or edge id
 * @param kind {@code kind}: {@code peer} or {@code edge}
 * @param publicKey {@code pub}: the node's Ed25519 public key (X.509 DER, base64url in the token)
 * @param baseUrl {@code url}: where the node serves (peers fetch only from such URLs)
 * @param region {@code region}
 * @param session {@code ses}: epoch ms, strictly increasing per issuer; a newer session resets the
 *     node's event sequences, an older one is a replay
 * @param expiresAtMs {@code exp}, epoch ms
 * @param compact the token as sent (JWS compact serialization)
 */
public record AdmissionToken(String nodeId, String kind, PublicKey publicKey, String baseUrl, String region,
    long session, long expiresAtMs, String compact) {}
