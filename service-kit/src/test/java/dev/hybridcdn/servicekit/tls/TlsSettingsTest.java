package dev.hybridcdn.servicekit.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}, {@code TLS_CA_FILE} read once, bad values named. */
class TlsSettingsTest {
  @TempDir Path dir;

  @Test
  void unsetMeansPlainHttpAndTheJvmsTrust() {
    TlsSettings tls = CommonConfig.from(new Env(Map.of())).tls();
    assertThat(tls.serving()).isFalse();
    assertThat(tls.scheme()).isEqualTo("http");
    assertThat(tls.url("127.0.0.1", 8081)).isEqualTo("http://127.0.0.1:8081");
    assertThat(tls.server(new HttpServerOptions()).isSsl()).isFalse();
    assertThat(tls.trustManager().getAcceptedIssuers()).as("the JVM's default CAs").isNotEmpty();
  }

  @Test
  void aCertificateAndKeyServeHttps() throws Exception {
    Path cert = Files.writeString(dir.resolve("origin.pem"), "cert");
    Path key = Files.writeString(dir.resolve("origin-key.pem"), "key");
    TlsSettings tls = TlsSettings.from(new Env(Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", key.toString())));
    assertThat(tls.serving()).isTrue();
    assertThat(tls.url("127.0.0.1", 8081)).isEqualTo("https://127.0.0.1:8081");
    HttpServerOptions o = tls.server(new HttpServerOptions().setPort(8081));
    assertThat(o.isSsl()).isTrue();
    assertThat(((PemKeyCertOptions) o.getKeyCertOptions()).getCertPath()).isEqualTo(cert.toString());
    assertThat(((PemKeyCertOptions) o.getKeyCertOptions()).getKeyPath()).isEqualTo(key.toString());
    assertThat(o.getPort()).isEqualTo(8081);
  }

  @Test
  void badValuesNameTheVariable() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "cert");
    assertThatThrownBy(() -> TlsSettings.from(new Env(Map.of("TLS_CERT_FILE", cert.toString()))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_KEY_FILE=(unset)");
    assertThatThrownBy(() -> TlsSettings.from(new Env(Map.of("TLS_KEY_FILE", cert.toString()))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_CERT_FILE=(unset)");
    assertThatThrownBy(() -> TlsSettings.from(new Env(Map.of("TLS_CERT_FILE", dir.resolve("missing.pem").toString(),
        "TLS_KEY_FILE", cert.toString())))).isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_CERT_FILE=");
    assertThatThrownBy(() -> TlsSettings.from(new Env(Map.of("TLS_CA_FILE", dir.toString()))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("a readable PEM file");
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
    assertThatThrownBy(() -> TlsSettings.from(new Env(Map.of("TLS_CA_FILE", notPem.toString()))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TLS_CA_FILE=");
  }
}
