package dev.hybridcdn.edge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Plain JDK HTTP client for the ITs: a real client on loopback, nothing of the edge's own code. */
final class Http {
  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private Http() {}

  static HttpResponse<byte[]> get(String url, String... headers) throws Exception {
    return CLIENT.send(request(url, headers), HttpResponse.BodyHandlers.ofByteArray());
  }

  static CompletableFuture<HttpResponse<byte[]>> getAsync(String url, String... headers) {
    return CLIENT.sendAsync(request(url, headers), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String text(String url) throws Exception {
    return new String(get(url).body());
  }

  private static HttpRequest request(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return b.build();
  }
}
