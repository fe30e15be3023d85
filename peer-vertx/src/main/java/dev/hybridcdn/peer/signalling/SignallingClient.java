package dev.hybridcdn.peer.signalling;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's connection to the signalling server (topology-streams {@code WS /ws/signalling}): sends
 * {@code hello} on every (re)connection, then what {@link #send} is given while connected (announces
 * are best effort: dropped while disconnected); every frame received goes to the handler. A lost or
 * refused connection is retried after {@code SIGNALLING_RETRY_MS}, doubled per failure up to 30 s,
 * back to the first delay once connected. Thread-safe.
 */
public final class SignallingClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignallingClient.class);

  private final Vertx vertx;
  private final WebSocketClient client;
  private final URI url;
  private final JsonObject hello;
  private final Consumer<JsonObject> onMessage;
  private final Runnable onConnected;
  private final long firstRetryMs;
  private long retryMs;
  private WebSocket ws;
  private boolean closed;
  private long connections;

  /**
   * @param onMessage every frame from the server (orders, paths, room news, errors)
   * @param onConnected after each hello (re-announce what the peer plays)
   */
  public SignallingClient(Vertx vertx, WebSocketClient client, URI url, String peerId, String region,
      long firstRetryMs, Consumer<JsonObject> onMessage, Runnable onConnected) {
    this.vertx = vertx;
    this.client = client;
    this.url = url;
    this.hello = new JsonObject().put("type", "hello").put("peerId", peerId).put("region", region);
    this.onMessage = onMessage;
    this.onConnected = onConnected;
    this.firstRetryMs = firstRetryMs;
    this.retryMs = firstRetryMs;
  }

  /** Connects (and keeps reconnecting until {@link #close}); returns at once. */
  public void start() {
    connect();
  }

  private void connect() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(url.toString());
    client.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("signalling {} not reached: {}", url, ar.cause().toString());
        retry();
        return;
      }
      WebSocket s = ar.result();
      synchronized (this) {
        if (closed) {
          s.close();
          return;
        }
        ws = s;
        retryMs = firstRetryMs;
        connections++;
      }
      s.textMessageHandler(text -> {
        try {
          onMessage.accept(new JsonObject(text));
        } catch (RuntimeException e) {
          LOG.debug("signalling frame not handled: {}", e.toString());
        }
      });
      s.closeHandler(v -> {
        synchronized (this) {
          if (ws == s) {
            ws = null;
          }
        }
        retry();
      });
      s.writeTextMessage(hello.encode());
      onConnected.run();
    });
  }

  private void retry() {
    long delay;
    synchronized (this) {
      if (closed) {
        return;
      }
      delay = retryMs;
      retryMs = Math.min(retryMs * 2, DistributionConfig.MAX_RETRY.toMillis());
    }
    vertx.setTimer(delay, id -> connect());
  }

  /** Sends the message if connected; false (dropped) otherwise. */
  public boolean send(JsonObject message) {
    WebSocket s;
    synchronized (this) {
      s = ws;
    }
    if (s == null || s.isClosed() || s.writeQueueFull()) {
      return false;
    }
    s.writeTextMessage(message.encode());
    return true;
  }

  public synchronized boolean connected() {
    return ws != null;
  }

  /** Successful connections so far (reconnections included). */
  public synchronized long connections() {
    return connections;
  }

  @Override
  public void close() {
    WebSocket s;
    synchronized (this) {
      closed = true;
      s = ws;
      ws = null;
    }
    if (s != null) {
      s.close();
    }
  }
}
