package dev.hybridcdn.ops.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of one local stack ({@code ./cdn up --tls}): a self-signed CA and a
 * server certificate per service, written as PEM files the services read through service-kit
 * {@code TlsSettings} ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}, {@code TLS_CA_FILE}).
 *
 * <p>Made with BouncyCastle's {@code bcpkix} (X.509 v3 builder, PEM writer) on the JDK's own EC
 * keys and signatures: ECDSA P-256 with SHA-256, the key type browsers and every TLS 1.3 stack take.
 * A new CA each run: its private key is never written, so nothing outlives the stack that can
 * issue certificates; a browser trusting {@code ca.pem} must trust the new one after a restart.
 *
 * <p>Files in the directory: {@code ca.pem}; per service {@code <name>.pem} (leaf then CA) and
 * {@code <name>-key.pem} (PKCS#8, mode 600 where the file system has POSIX permissions).
 */
public final class LocalCa {
  /** Certificates live this long: far longer than a local stack, short enough not to matter if copied. */
  public static final Duration VALIDITY = Duration.ofDays(30);
  /** Names every local service answers on. */
  public static final List<String> LOCAL_HOSTS = List.of("localhost", "127.0.0.1", "::1");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final String SIGNATURE = "SHA256withECDSA";

  /** A service's certificate and key files. */
  public record Issued(Path certFile, Path keyFile) {}

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private final Path caFile;
  private final SecureRandom random = new SecureRandom();

  private LocalCa(Path dir, KeyPair caKeys, X509Certificate caCert, Path caFile) {
    this.dir = dir;
    this.caKeys = caKeys;
    this.caCert = caCert;
    this.caFile = caFile;
  }

  /**
   * Makes a new CA and writes {@code dir/ca.pem}; the directory is created.
   *
   * @param name the CA's common name, e.g. {@code hybrid-cdn local CA}
   * @throws UncheckedIOException when the directory cannot be written
   */
  public static LocalCa create(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      KeyPair keys = newKeyPair();
      X500Principal subject = new X500Principal("CN=" + name + ", O=hybrid-cdn");
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(new SecureRandom()),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0)); // a CA issuing leaves only
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate cert = sign(b, keys.getPrivate());
      Path caFile = dir.resolve("ca.pem");
      Files.writeString(caFile, pem(cert));
      return new LocalCa(dir, keys, cert, caFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the local CA to " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a CA: " + e.getMessage(), e);
    }
  }

  /** {@code ca.pem}: what clients trust ({@code TLS_CA_FILE}). */
  public Path caFile() {
    return caFile;
  }

  public X509Certificate certificate() {
    return caCert;
  }

  /**
   * Issues a server (and client) certificate for {@code name}, valid for {@code hosts}, and writes
   * {@code <name>.pem} and {@code <name>-key.pem}.
   *
   * @param name a file name part, {@code [A-Za-z0-9._-]+} (e.g. {@code edge-1}); also the common name
   * @param hosts DNS names and IP literals (IPv4 dotted, IPv6 with colons) the service is reached by;
   *     at least one
   * @throws IllegalArgumentException for a bad name or no host
   * @throws UncheckedIOException when the files cannot be written
   */
  public Issued issue(String name, List<String> hosts) {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("certificate name must be [A-Za-z0-9._-]+, got '" + name + "'");
    }
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("a certificate for " + name + " needs at least one host");
    }
    try {
      KeyPair keys = newKeyPair();
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(random),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
          new X500Principal("CN=" + name + ", O=hybrid-cdn"), keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.subjectAlternativeName, false, altNames(hosts));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate cert = sign(b, caKeys.getPrivate());
      Path certFile = dir.resolve(name + ".pem");
      Path keyFile = dir.resolve(name + "-key.pem");
      Files.writeString(certFile, pem(cert) + pem(caCert)); // the chain, so clients that know only the CA verify
      writePrivate(keyFile, pkcs8(keys.getPrivate()));
      return new Issued(certFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the certificate of " + name + " to " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  private static GeneralNames altNames(List<String> hosts) throws CertIOException {
    List<GeneralName> names = new ArrayList<>();
    for (String h : hosts) {
      boolean ip = IPV4.matcher(h).matches() || h.contains(":");
      names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, h));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  /** A positive 127-bit serial: unique enough without a registry (RFC 5280 allows up to 20 octets). */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static String pem(X509Certificate cert) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(cert);
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(key, null)); // "PRIVATE KEY", which Vert.x and the JDK read
    }
    return out.toString();
  }

  private static void writePrivate(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // no POSIX permissions here
    }
    Files.writeString(file, text);
  }
}
