package dev.hybridcdn.servicekit.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The one error envelope of every HTTP API: status code plus
 * {@code {"error": "<code>", "message": "...", "details": [...]}} (ARCHITECTURE.md, "HTTP APIs").
 * Throw it from a handler (the {@link #failureHandler()} renders it) or {@link #send} it.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private final List<String> details;

  /**
   * @param status HTTP status, e.g. 400
   * @param code short machine-readable code, e.g. {@code invalid_segment_id}
   * @param message one sentence for a person
   */
  public ApiError(int status, String code, String message, List<String> details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = List.copyOf(details);
  }

  public ApiError(int status, String code, String message) {
    this(status, code, message, List.of());
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(404, code, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public List<String> details() {
    return details;
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", code).put("message", getMessage()).put("details", new JsonArray(details));
  }

  /** Writes this error as the response (if the response is not already under way). */
  public void send(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(toJson().encode());
  }

  /**
   * A router failure handler rendering every failure as the envelope: an {@link ApiError} as
   * itself, a bare status (e.g. 404 of an unknown route, 405) with a standard code, anything else
   * as 500 {@code internal_error}.
   */
  public static io.vertx.core.Handler<RoutingContext> failureHandler() {
    return ctx -> {
      Throwable failure = ctx.failure();
      ApiError error;
      if (failure instanceof ApiError api) {
        error = api;
      } else if (failure instanceof io.vertx.ext.web.handler.HttpException http) {
        error = new ApiError(http.getStatusCode(), codeFor(http.getStatusCode()),
            http.getPayload() != null ? http.getPayload() : http.getMessage());
      } else if (failure == null) {
        error = forStatus(ctx.statusCode() > 0 ? ctx.statusCode() : 500);
      } else {
        org.slf4j.LoggerFactory.getLogger(ApiError.class)
            .error("unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
        error = new ApiError(500, "internal_error", "internal error: " + failure.getClass().getSimpleName());
      }
      error.send(ctx);
    };
  }

  /**
   * Makes every error of {@code router} the envelope: handler failures, and the router's own 404
   * (no route matched) and 405 (method not allowed), which bypass failure handlers in Vert.x.
   */
  public static void install(io.vertx.ext.web.Router router) {
    io.vertx.core.Handler<RoutingContext> handler = failureHandler();
    router.route().failureHandler(handler);
    router.errorHandler(404, handler);
    router.errorHandler(405, handler);
  }

  private static ApiError forStatus(int status) {
    return switch (status) {
      case 404 -> notFound("not_found", "no such resource");
      case 405 -> new ApiError(405, "method_not_allowed", "method not allowed");
      default -> new ApiError(status, codeFor(status), "request failed with status " + status);
    };
  }

  private static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "payload_too_large";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal_error" : "bad_request";
    };
  }
}
