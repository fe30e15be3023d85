package dev.hybridcdn.servicekit.token;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.HmacSha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Signed player URLs (issue 16, item 4): a token that lets a player fetch the paths under an access
 * list until an expiry, shaped like Akamai's token authentication ({@code exp=<unix s>~acl=<paths>~hmac=<hex>},
 * several ACL entries joined by {@code !}, a trailing {@code *} a prefix wildcard) and, like CloudFront's
 * signed URLs with a custom policy, carried in the query string ({@value #PARAM}) so that any HLS player
 * passes it on untouched. The HMAC-SHA256 (key: {@code PLAYER_TOKEN_SECRET}'s UTF-8 bytes) covers the text
 * before {@code ~hmac=}, so changing the expiry or the paths is "tampered".
 *
 * <p>Example: {@code exp=1767225600~acl=/hls/demo/*!/segments/demo/*~hmac=9f86d0...} (64 hex). Characters
 * are all legal unescaped in a URI query (RFC 3986 section 3.4), as in Akamai's own tokens.
 *
 * <p>One instance per service; thread-safe ({@link HmacSha256}: one MAC engine per thread). Checking costs one HMAC over
 * ~60 bytes, about a microsecond (edge-vertx README, "Player tokens", for the measured cost per request).
 */
public final class PlayerTokens {
  /** Query parameter carrying the token. */
  public static final String PARAM = "token";
  /** The environment variable holding the secret. */
  public static final String SECRET = "PLAYER_TOKEN_SECRET";
  /** Life of a token when the signer names none: 1 h (the web player, {@code cdn token}). */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  private static final int MIN_SECRET_CHARS = 32;
  private static final HexFormat HEX = HexFormat.of();

  /** Why a request was refused, with its HTTP status and error code (service-kit {@code ApiError}). */
  public enum Verdict {
    OK(200, "ok", "token valid"),
    MISSING(401, "token_missing", "this CDN requires a signed token: add ?" + PARAM + "=... (cdn token --song ID)"),
    MALFORMED(403, "token_malformed", "the token is not exp=<unix s>~acl=<paths>~hmac=<64 hex>"),
    TAMPERED(403, "token_tampered", "the token's signature does not match its expiry and paths"),
    EXPIRED(403, "token_expired", "the token has expired; ask for a new one"),
    WRONG_PATH(403, "token_wrong_path", "the token does not cover this path");

    private final int status;
    private final String code;
    private final String message;

    Verdict(int status, String code, String message) {
      this.status = status;
      this.code = code;
      this.message = message;
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }

    public String message() {
      return message;
    }
  }

  private final HmacSha256 key;

  private PlayerTokens(byte[] secret) {
    this.key = new HmacSha256(secret);
  }

  /**
   * Tokens with this secret.
   *
   * @param secret {@code PLAYER_TOKEN_SECRET}, at least 32 characters
   * @throws IllegalArgumentException when shorter
   */
  public static PlayerTokens of(String secret) {
    if (secret == null || secret.strip().length() < MIN_SECRET_CHARS) {
      throw new IllegalArgumentException("a player token secret has at least " + MIN_SECRET_CHARS + " characters");
    }
    return new PlayerTokens(secret.strip().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@code PLAYER_TOKEN_SECRET}: null when unset or blank (player routes open).
   *
   * @throws ConfigException when set but shorter than 32 characters
   */
  public static PlayerTokens from(Env env) {
    String raw = env.raw(SECRET);
    if (raw == null || raw.isBlank()) {
      return null;
    }
    if (raw.strip().length() < MIN_SECRET_CHARS) {
      throw new ConfigException(SECRET, "(hidden)",
          "at least " + MIN_SECRET_CHARS + " characters, e.g. openssl rand -base64 32");
    }
    return of(raw);
  }

  /**
   * A token for {@code acl} valid until {@code expiresAtSeconds}.
   *
   * @param acl paths, each exact or ending in {@code *} (prefix); no {@code ~}, {@code !}, {@code &},
   *     blanks, {@code #} or {@code %}
   * @param expiresAtSeconds Unix time, s
   * @throws IllegalArgumentException for an empty list or a path with those characters
   */
  public String sign(List<String> acl, long expiresAtSeconds) {
    if (acl.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one path");
    }
    for (String p : acl) {
      if (!p.startsWith("/") || p.chars().anyMatch(c -> c <= ' ' || "~!&#%+".indexOf(c) >= 0)) {
        throw new IllegalArgumentException("not a token path: " + p);
      }
    }
    String body = "exp=" + expiresAtSeconds + "~acl=" + String.join("!", acl);
    return body + "~hmac=" + HEX.formatHex(mac(body));
  }

  /** {@link #sign} with an expiry {@code ttl} from now. */
  public String sign(List<String> acl, Duration ttl) {
    return sign(acl, System.currentTimeMillis() / 1000 + Math.max(1, ttl.toSeconds()));
  }

  /**
   * Checks a token for a request path: signature first (so an edited expiry reads as tampered), then
   * expiry, then the path.
   *
   * @param token the query parameter's value, null when absent
   * @param path the request's path (no query), e.g. {@code /segments/demo/128k/seg00000.ts}
   * @param nowSeconds Unix time, s
   */
  public Verdict check(String token, String path, long nowSeconds) {
    if (token == null || token.isEmpty()) {
      return Verdict.MISSING;
    }
    int hmacAt = token.lastIndexOf("~hmac=");
    if (!token.startsWith("exp=") || hmacAt < 0 || token.length() - hmacAt - 6 != 64) {
      return Verdict.MALFORMED;
    }
    int aclAt = token.indexOf("~acl=");
    if (aclAt < 0 || aclAt > hmacAt) {
      return Verdict.MALFORMED;
    }
    byte[] given;
    long exp;
    try {
      given = HEX.parseHex(token, hmacAt + 6, token.length());
      exp = Long.parseLong(token, 4, aclAt, 10);
    } catch (IllegalArgumentException e) {
      return Verdict.MALFORMED;
    }
    if (!MessageDigest.isEqual(given, mac(token.substring(0, hmacAt)))) {
      return Verdict.TAMPERED;
    }
    if (nowSeconds >= exp) {
      return Verdict.EXPIRED;
    }
    return covers(token.substring(aclAt + 5, hmacAt), path) ? Verdict.OK : Verdict.WRONG_PATH;
  }

  /** {@link #check} now. */
  public Verdict check(String token, String path) {
    return check(token, path, System.currentTimeMillis() / 1000);
  }

  /** True when one ACL entry is the path, or a prefix of it ending in {@code *}. */
  private static boolean covers(String acl, String path) {
    if (path.contains("/../") || path.endsWith("/..")) {
      return false; // a prefix must not be escaped through dot segments (Vert.x normalises, others may not)
    }
    for (String entry : acl.split("!")) {
      boolean ok = entry.endsWith("*") ? path.startsWith(entry.substring(0, entry.length() - 1)) : path.equals(entry);
      if (ok) {
        return true;
      }
    }
    return false;
  }

  private byte[] mac(String text) {
    return key.mac(text.getBytes(StandardCharsets.US_ASCII));
  }
}
