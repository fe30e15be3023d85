package dev.hybridcdn.servicekit.http;

import io.vertx.core.http.HttpClientOptions;

/**
 * How long this project's HTTP clients keep an idle pooled connection: {@value #CLIENT_IDLE_S} s,
 * half the 60 s after which its servers close one ({@code EDGE_IDLE_TIMEOUT_MS}, a peer's
 * {@code IDLE_TIMEOUT_MS}). A client must give an idle connection up before the server does: a
 * request written on a connection the server is closing at that moment is lost ({@code
 * HttpClosedException: Connection was closed}), the keep-alive race RFC 9112 section 9.3.1 leaves to
 * the client. Browsers retry such a request; Vert.x's client does not, and its default keep-alive (60
 * s) equals the servers' idle timeout. Behind a shaped link the server's idle clock even starts first
 * (at its last write, a transfer time before the client's last read), so a cdn eval player lost one
 * segment this way in every full run (ops README).
 */
public final class KeepAlive {
  /** Idle seconds after which a client's pool closes a connection instead of lending it again. */
  public static final int CLIENT_IDLE_S = 30;

  private KeepAlive() {}

  /**
   * Keep-alive on, idle pooled connections closed after {@value #CLIENT_IDLE_S} s.
   *
   * @return {@code options}, changed
   */
  public static <T extends HttpClientOptions> T client(T options) {
    options.setKeepAlive(true).setKeepAliveTimeout(CLIENT_IDLE_S);
    return options;
  }
}
