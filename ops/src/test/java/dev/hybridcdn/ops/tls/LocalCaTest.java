package dev.hybridcdn.ops.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.network.NetNode;
import dev.hybridcdn.servicekit.network.NetworkModel;
import dev.hybridcdn.servicekit.network.NodeKind;
import dev.hybridcdn.servicekit.network.ShapedNetwork;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificates of {@code cdn up --tls}, read back by the JDK, and what the services do with
 * them: {@code HttpVerticles.deploy} serving HTTPS from {@code TLS_CERT_FILE}/{@code TLS_KEY_FILE},
 * clients trusting {@code TLS_CA_FILE} (and refusing without it, or for a host the certificate does
 * not name), and TLS passing through an emulated network's shaping front.
 */
class LocalCaTest {
  @TempDir Path dir;
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static List<X509Certificate> read(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> out = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> out.add((X509Certificate) c));
      return out;
    }
  }

  @Test
  void aServiceCertificateIsSignedByTheCaAndNamesItsHosts() throws Exception {
    LocalCa ca = LocalCa.create(dir, "test CA");
    LocalCa.Issued edge = ca.issue("edge-1", List.of("localhost", "127.0.0.1", "::1", "edge.example"));

    X509Certificate root = read(ca.caFile()).get(0);
    assertThat(root.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
    root.verify(root.getPublicKey()); // self-signed
    List<X509Certificate> chain = read(edge.certFile());
    assertThat(chain).hasSize(2);
    X509Certificate leaf = chain.get(0);
    leaf.verify(root.getPublicKey());
    leaf.checkValidity();
    assertThat(leaf.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=edge-1");
    assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1"); // serverAuth
    assertThat(leaf.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList())
        .containsExactlyInAnyOrder("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "edge.example");
    assertThat(leaf.getNotAfter().getTime() - System.currentTimeMillis())
        .isBetween(LocalCa.VALIDITY.minusHours(1).toMillis(), LocalCa.VALIDITY.toMillis());
    assertThat(Files.readString(edge.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.getPosixFilePermissions(edge.keyFile()))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.exists(dir.resolve("ca-key.pem"))).as("the CA key is never written").isFalse();

    assertThatThrownBy(() -> ca.issue("../x", List.of("localhost"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ca.issue("x", List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  private TlsSettings serverTls(LocalCa ca, String name, List<String> hosts) {
    LocalCa.Issued cert = ca.issue(name, hosts);
    return TlsSettings.from(new Env(Map.of(TlsSettings.CERT_FILE, cert.certFile().toString(),
        TlsSettings.KEY_FILE, cert.keyFile().toString(), TlsSettings.CA_FILE, ca.caFile().toString())));
  }

  private HttpVerticles.Deployed serve(String host, TlsSettings tls) {
    return HttpVerticles.deploy(vertx, new HttpServerOptions().setHost(host).setPort(0), tls, 1,
        () -> req -> req.response().end("hello " + (req.isSSL() ? "tls" : "plain")), Duration.ofSeconds(10), "test");
  }

  @Test
  void httpVerticlesServeHttpsThatClientsTrustingTheCaAccept() throws Exception {
    LocalCa ca = LocalCa.create(dir, "test CA");
    TlsSettings tls = serverTls(ca, "origin", LocalCa.LOCAL_HOSTS);
    HttpVerticles.Deployed server = serve("127.0.0.1", tls);
    String url = server.url("127.0.0.1");
    assertThat(url).startsWith("https://");

    // Vert.x client (services), java.net.http (ops commands): both trust the CA through TlsSettings
    WebClient trusting = WebClient.create(vertx, tls.client(new WebClientOptions()));
    assertThat(trusting.getAbs(url + "/").send().await().bodyAsString()).isEqualTo("hello tls");
    WebClient byHostAndPort = WebClient.create(vertx, tls.peerClient(new WebClientOptions()));
    assertThat(byHostAndPort.get(server.port(), "localhost", "/").send().await().bodyAsString()).isEqualTo("hello tls");
    HttpClient jdk = HttpClient.newBuilder().sslContext(tls.sslContext()).build();
    assertThat(jdk.send(HttpRequest.newBuilder(URI.create(url + "/")).build(), HttpResponse.BodyHandlers.ofString())
        .body()).isEqualTo("hello tls");

    // without the CA: the JVM's default trust does not know it
    WebClient untrusting = WebClient.create(vertx, new WebClientOptions());
    assertThatThrownBy(() -> untrusting.getAbs(url + "/").send().await())
        .hasStackTraceContaining("PKIX path building failed");
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
    // the CA adds to the JVM's trust, it does not replace it
    assertThat(tls.trustManager().getAcceptedIssuers().length).isGreaterThan(1);
  }

  @Test
  void aCertificateForOtherHostsIsRefused() {
    LocalCa ca = LocalCa.create(dir, "test CA");
    HttpVerticles.Deployed server = serve("127.0.0.1", serverTls(ca, "elsewhere", List.of("elsewhere.example")));
    TlsSettings client = new TlsSettings(null, null, ca.caFile());
    WebClient web = WebClient.create(vertx, client.client(new WebClientOptions()));
    assertThatThrownBy(() -> web.getAbs(server.url("127.0.0.1") + "/").send().await())
        .hasStackTraceContaining("No subject alternative names matching IP address 127.0.0.1");
  }

  @Test
  void tlsPassesThroughAnEmulatedNetworksShapingFront() {
    // one region, 20 ms one way between two peers (5 + 10 + 5), fast links: latency is what shows
    NetworkModel.Links fast = new NetworkModel.Links(new NetworkModel.Range(100, 100), new NetworkModel.Range(100, 100));
    ShapedNetwork network = ShapedNetwork.install(new NetworkModel(1, Map.of("eu-west", Map.of("eu-west", 10.0)),
        Map.of(NodeKind.PEER, 5.0, NodeKind.EDGE, 1.0, NodeKind.ORIGIN, 1.0), 0, "eu-west",
        Map.of(NodeKind.PEER, fast, NodeKind.EDGE, fast, NodeKind.ORIGIN, fast), 0, 0));
    try {
      NetNode serverNode = network.register(NodeKind.PEER, "peer-1", "eu-west");
      NetNode clientNode = network.register(NodeKind.PEER, "peer-2", "eu-west");
      LocalCa ca = LocalCa.create(dir, "test CA");
      HttpVerticles.Deployed server = serve(serverNode.address(),
          serverTls(ca, "peer-1", List.of(serverNode.address())));
      assertThat(server.frontHost()).as("fronted").isEqualTo(serverNode.address());
      TlsSettings client = new TlsSettings(null, null, ca.caFile());
      WebClient web = WebClient.create(vertx,
          client.client((WebClientOptions) ShapedNetwork.source(new WebClientOptions(), clientNode)));
      long t0 = System.nanoTime();
      String body = web.getAbs(server.url(serverNode.address()) + "/").send().await().bodyAsString();
      double ms = (System.nanoTime() - t0) / 1e6;
      assertThat(body).isEqualTo("hello tls");
      // shaped: at least the TCP round trip (2 x 20 ms one way) plus the TLS 1.3 handshake's round trip
      assertThat(ms).as("first request over the shaped link, ms").isGreaterThanOrEqualTo(80 - 5);
      assertThat(network.stats().open()).isPositive();
      server.undeploy(vertx).await();
    } finally {
      network.close();
    }
  }

  @Test
  void httpClientOptionsKeepTheirOwnSettings() {
    TlsSettings off = TlsSettings.off();
    HttpClientOptions o = off.client(new HttpClientOptions().setKeepAlive(false));
    assertThat(o.getTrustOptions()).isNull();
    assertThat(o.isKeepAlive()).isFalse();
    assertThat(off.peerClient(new HttpClientOptions()).isSsl()).isFalse();
  }
}
