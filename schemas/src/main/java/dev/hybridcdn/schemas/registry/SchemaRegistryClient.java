package dev.hybridcdn.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.avro.Schema;

/**
 * The three calls of the Confluent Schema Registry REST API that a Confluent-format codec needs,
 * over {@code java.net.http}: register a schema under a subject, fetch a schema by id, read and set
 * the compatibility level. Works against any server of that API; hybrid-cdn runs Apicurio Registry
 * 2.6, whose Confluent-compatible API is at {@code http://host:port/apis/ccompat/v7} (that whole
 * URL is the base URL here, as {@code schema.registry.url} is for Confluent's clients).
 *
 * <p>Each call is one HTTP request bounded by the timeout given; an I/O failure is tried twice
 * more, 200 ms and 400 ms later. Thread-safe.
 */
public final class SchemaRegistryClient {
  /** The content type of the Confluent API. */
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 3;

  private final String baseUrl;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param baseUrl the API's base, e.g. {@code http://127.0.0.1:8085/apis/ccompat/v7}; a trailing
   *     slash is dropped
   * @param timeout bound on each request (connect and answer)
   */
  public SchemaRegistryClient(String baseUrl, Duration timeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public String baseUrl() {
    return baseUrl;
  }

  /**
   * Registers {@code schema} under {@code subject}, or finds it when already registered there.
   *
   * @return the schema id, the number written after the magic byte of the Confluent format
   * @throws IncompatibleSchemaException when the subject's compatibility rule refuses it (409)
   * @throws SchemaRegistryException on any other error status or when the registry does not answer
   */
  public int register(String subject, Schema schema) {
    String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
    JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", body,
        "register " + schema.getFullName() + " under " + subject);
    return answer.path("id").asInt();
  }

  /**
   * The schema registered with {@code id}.
   *
   * @throws SchemaRegistryException 404 when no schema has that id; any other error status, or 0
   *     when the registry does not answer
   */
  public Schema schemaById(int id) {
    JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
    return new Schema.Parser().parse(answer.path("schema").asText());
  }

  /**
   * The registry-wide compatibility level ({@code BACKWARD}, {@code FULL}, {@code NONE}, ...).
   *
   * @throws SchemaRegistryException on an error status or no answer
   */
  public String compatibility() {
    return call("GET", "/config", null, "read the compatibility level").path("compatibilityLevel").asText();
  }

  /**
   * Sets the registry-wide compatibility level.
   *
   * @throws SchemaRegistryException on an error status or no answer
   */
  public void setCompatibility(String level) {
    call("PUT", "/config", JSON.createObjectNode().put("compatibility", level).toString(),
        "set the compatibility level to " + level);
  }

  private JsonNode call(String method, String path, String body, String what) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(timeout)
        .header("Accept", CONTENT_TYPE + ", application/json")
        .header("Content-Type", CONTENT_TYPE)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = send(request, what);
    int status = response.statusCode();
    if (status / 100 == 2) {
      try {
        return JSON.readTree(response.body());
      } catch (IOException e) {
        throw new SchemaRegistryException("cannot " + what + ": " + baseUrl + " answered no JSON", status, e);
      }
    }
    String message = errorMessage(response.body());
    if (status == 409) {
      throw new IncompatibleSchemaException("the registry at " + baseUrl + " refused to " + what + ": " + message);
    }
    throw new SchemaRegistryException("cannot " + what + ": " + baseUrl + " answered " + status + " " + message,
        status, null);
  }

  private HttpResponse<String> send(HttpRequest request, String what) {
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        last = e;
        if (attempt < ATTEMPTS) {
          pause(Duration.ofMillis(200L << (attempt - 1)));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException("interrupted while trying to " + what, 0, e);
      }
    }
    throw new SchemaRegistryException("cannot " + what + ": the registry at " + baseUrl + " did not answer ("
        + last + ")", 0, last);
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // backoff between attempts, not a wait for a condition
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The {@code message} of the API's error envelope {@code {"error_code":..,"message":..}}, else the body. */
  private static String errorMessage(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.hasNonNull("message")) {
        return n.get("message").asText();
      }
    } catch (IOException e) {
      // not JSON: the raw body says more than nothing
    }
    return body == null ? "" : body.strip();
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
