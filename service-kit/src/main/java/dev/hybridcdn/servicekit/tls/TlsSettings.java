package dev.hybridcdn.servicekit.tls;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * HTTPS for a service, read once from the environment (issue 16, item 6): what its server presents
 * and which certificate authorities its clients trust.
 *
 * <ul>
 *   <li>{@code TLS_CERT_FILE} and {@code TLS_KEY_FILE}: PEM certificate (chain, leaf first) and its
 *       PKCS#8 private key; both set, the service serves HTTPS only ({@code HttpVerticles.deploy}); both
 *       unset, plain HTTP. One without the other is a {@link ConfigException}.
 *   <li>{@code TLS_CA_FILE}: PEM certificates every HTTP client of the service trusts besides the
 *       JVM's default trust store (a private CA such as {@code ./cdn up --tls}'s); unset, only the
 *       JVM's default.
 * </ul>
 *
 * @param certFile null: plain HTTP
 * @param keyFile null exactly when {@code certFile} is
 * @param caFile null: the JVM's default trust only
 */
public record TlsSettings(Path certFile, Path keyFile, Path caFile) {
  public static final String CERT_FILE = "TLS_CERT_FILE";
  public static final String KEY_FILE = "TLS_KEY_FILE";
  public static final String CA_FILE = "TLS_CA_FILE";

  public TlsSettings {
    if ((certFile == null) != (keyFile == null)) {
      throw new ConfigException(certFile == null ? CERT_FILE : KEY_FILE, null,
          "a PEM file, set together with " + (certFile == null ? KEY_FILE : CERT_FILE));
    }
  }

  /** Plain HTTP, the JVM's default trust. */
  public static TlsSettings off() {
    return new TlsSettings(null, null, null);
  }

  /**
   * @throws ConfigException naming the variable when only one of the cert and key is set, or a
   *     file is missing or unreadable, or the CA file holds no certificate
   */
  public static TlsSettings from(Env env) {
    Path cert = file(env, CERT_FILE);
    Path key = file(env, KEY_FILE);
    Path ca = file(env, CA_FILE);
    TlsSettings s = new TlsSettings(cert, key, ca);
    if (ca != null) {
      try {
        if (readCertificates(ca).isEmpty()) {
          throw new ConfigException(CA_FILE, ca.toString(), "a PEM file with at least one certificate");
        }
      } catch (IOException | CertificateException e) {
        throw new ConfigException(CA_FILE, ca.toString(), "a PEM file of certificates (" + e.getMessage() + ")");
      }
    }
    return s;
  }

  private static Path file(Env env, String name) {
    String v = env.raw(name);
    if (v == null) {
      return null;
    }
    Path p = Path.of(v);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(name, v, "a readable PEM file");
    }
    return p;
  }

  /** True when the service's server speaks HTTPS. */
  public boolean serving() {
    return certFile != null;
  }

  /** {@code https} when serving, else {@code http}: the scheme of the URLs a service gives out for itself. */
  public String scheme() {
    return serving() ? "https" : "http";
  }

  /** {@code scheme://host:port}, the base URL of this service's own server. */
  public String url(String host, int port) {
    return scheme() + "://" + host + ":" + port;
  }

  /** {@code options} serving HTTPS from the PEM files when {@link #serving()}; unchanged otherwise. */
  public HttpServerOptions server(HttpServerOptions options) {
    if (serving()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString())
          .setKeyPath(keyFile.toString()));
    }
    return options;
  }

  /**
   * {@code options} trusting {@code TLS_CA_FILE} besides the JVM's default trust, for {@code https://}
   * URLs (the scheme picks TLS per request); unchanged without a CA file. Host names are verified.
   */
  public <T extends ClientOptionsBase> T client(T options) {
    if (caFile != null) {
      options.setTrustOptions(TrustOptions.wrap(trustManager()));
    }
    return options;
  }

  /**
   * Like {@link #client} and in addition TLS for requests given as host and port without a scheme
   * (the tracker's forwarding to another instance of itself), when this service serves HTTPS.
   */
  public <T extends ClientOptionsBase> T peerClient(T options) {
    client(options).setSsl(serving());
    return options;
  }

  /** An SSL context trusting {@code TLS_CA_FILE} and the JVM's default, for {@code java.net.http}. */
  public SSLContext sslContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {trustManager()}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * A trust manager accepting a chain that the JVM's default trust or the CA file accepts (a CA
   * file replaces nothing: public servers stay trusted).
   *
   * @throws IllegalStateException when the CA file cannot be read any more
   */
  public X509ExtendedTrustManager trustManager() {
    try {
      List<X509ExtendedTrustManager> managers = new ArrayList<>();
      managers.add(managerOf(null));
      if (caFile != null) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (X509Certificate c : readCertificates(caFile)) {
          store.setCertificateEntry("ca-" + i++, c);
        }
        managers.add(managerOf(store));
      }
      return new EitherTrustManager(managers);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(CA_FILE + "=" + caFile + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Every certificate in a PEM file. */
  static List<X509Certificate> readCertificates(Path pem) throws IOException, CertificateException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : all) {
        out.add((X509Certificate) c);
      }
      return out;
    }
  }

  private static X509ExtendedTrustManager managerOf(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store); // null: the JVM's default (cacerts or javax.net.ssl.trustStore)
    for (TrustManager m : f.getTrustManagers()) {
      if (m instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /**
   * Accepts what any of its managers accepts. Each is the JDK's own, so host name checks (set on
   * the engine by the client) happen inside it.
   */
  private static final class EitherTrustManager extends X509ExtendedTrustManager {
    private final List<X509ExtendedTrustManager> managers;

    EitherTrustManager(List<X509ExtendedTrustManager> managers) {
      this.managers = List.copyOf(managers);
    }

    private interface Check {
      void run(X509ExtendedTrustManager m) throws CertificateException;
    }

    private void any(Check check) throws CertificateException {
      CertificateException first = null;
      for (X509ExtendedTrustManager m : managers) {
        try {
          check.run(m);
          return;
        } catch (CertificateException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      throw first;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      any(m -> m.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      any(m -> m.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      any(m -> m.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      any(m -> m.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      any(m -> m.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      any(m -> m.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return managers.stream().flatMap(m -> java.util.Arrays.stream(m.getAcceptedIssuers()))
          .toArray(X509Certificate[]::new);
    }
  }
}
