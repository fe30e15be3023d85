package dev.hybridcdn.topology.signalling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * One peer's {@code WS /ws/signalling} connection: each text frame is parsed against its schema
 * ({@link SignalMessage}) and applied to the {@link SignallingHub}; a frame that breaks its schema,
 * comes before {@code hello}, or exceeds the rate gets {@code {"type":"error","reason","message"}} and
 * the connection stays open (only a binary frame, which no message is, or a client that keeps
 * flooding is answered by the error frame alone; the server never closes over input). Rate: a token
 * bucket of {@code SIGNALLING_RATE} messages per second with a burst of twice that; frames past it are
 * dropped with reason {@code rate_limited}.
 */
public final class SignallingSocket implements SignallingHub.Channel {
  private final ServerWebSocket ws;
  private final SignallingHub hub;
  private final double ratePerMs;
  private final double burst;
  private final Counter rejected;
  private double tokens;
  private long lastRefillMs = System.currentTimeMillis();
  private String peerId;

  /** Serves the socket until it closes; returns at once. */
  public static void serve(ServerWebSocket ws, SignallingHub hub, int ratePerSecond, MeterRegistry registry) {
    new SignallingSocket(ws, hub, ratePerSecond, registry);
  }

  private SignallingSocket(ServerWebSocket ws, SignallingHub hub, int ratePerSecond, MeterRegistry registry) {
    this.ws = ws;
    this.hub = hub;
    this.ratePerMs = ratePerSecond / 1000.0;
    this.burst = 2.0 * ratePerSecond;
    this.tokens = burst;
    this.rejected = Counter.builder("cdn.topology.signalling.rejected")
        .description("signalling frames answered with an error frame").register(registry);
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> error("not_json", "frames are JSON text, not binary"));
    ws.closeHandler(v -> {
      if (peerId != null) {
        hub.disconnected(peerId, this);
      }
    });
  }

  private void onText(String text) {
    if (!take()) {
      error("rate_limited", "more than the allowed messages per second; slow down");
      return;
    }
    try {
      SignalMessage m = SignalMessage.parse(text);
      if (!m.type().equals("hello") && peerId == null) {
        throw new SignalMessage.Invalid("hello_first", "send hello before any other message");
      }
      switch (m.type()) {
        case "hello" -> {
          if (peerId != null && !peerId.equals(m.string("peerId"))) {
            throw new SignalMessage.Invalid("hello_once", "this connection is already " + peerId);
          }
          peerId = m.string("peerId");
          hub.hello(peerId, m.string("region"), this);
        }
        case "join" -> hub.join(peerId, m.string("songId"));
        case "leave" -> hub.leave(peerId, m.string("songId"));
        case "playing" -> hub.playing(peerId, m.string("songId"), m.string("rendition"), m.integer("index"));
        case "start" -> hub.start(peerId, m.string("songId"), m.string("rendition"), m.integer("segments"));
        default -> throw new IllegalStateException("schema without handler: " + m.type());
      }
    } catch (SignalMessage.Invalid e) {
      error(e.reason(), e.getMessage());
    }
  }

  /** Token bucket; runs on this socket's event loop only. */
  private boolean take() {
    long now = System.currentTimeMillis();
    tokens = Math.min(burst, tokens + (now - lastRefillMs) * ratePerMs);
    lastRefillMs = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  private void error(String reason, String message) {
    rejected.increment();
    send(new JsonObject().put("type", "error").put("reason", reason).put("message", message));
  }

  @Override
  public void send(JsonObject message) {
    // A peer that does not read its orders loses them rather than growing our memory.
    try {
      if (!ws.isClosed() && !ws.writeQueueFull()) {
        ws.writeTextMessage(message.encode());
      }
    } catch (IllegalStateException closedMeanwhile) {
      // Closed on its own event loop between the check and the write (many peers leaving at once): the
      // hub sends from whichever loop a message came in on, and a throw here would stop its broadcast.
    }
  }

  @Override
  public void close(String reason) {
    if (!ws.isClosed()) {
      ws.close((short) 1000, reason.length() > 100 ? reason.substring(0, 100) : reason);
    }
  }
}
