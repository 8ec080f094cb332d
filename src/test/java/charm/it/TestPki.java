package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A throw-away certificate authority made with the openssl CLI: a self-signed CA (CA:TRUE,
 * keyCertSign) and leaves signed by it with {@code openssl ca}, which (unlike {@code openssl x509
 * -req} on OpenSSL 3.0) takes an arbitrary start and end date, so expired certificates can be
 * made too. Keys are RSA 2048, unencrypted PKCS#8. Every instance has its own key, so two never
 * trust each other. {@link #close()} deletes its directory.
 */
final class TestPki implements AutoCloseable {
  private static final DateTimeFormatter OPENSSL_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final Path caCert;
  private final Path caKey;
  private final Path config;
  private int issued;

  private TestPki(Path dir) {
    this.dir = dir;
    this.caCert = dir.resolve("ca.crt");
    this.caKey = dir.resolve("ca.key");
    this.config = dir.resolve("openssl.cnf");
  }

  /** A new CA with common name {@code caName}, valid for ten years, in {@code dir}. */
  static TestPki create(Path dir, String caName) {
    TestPki pki = new TestPki(dir);
    TestFiles.write(dir.resolve("index.txt"), ""); // openssl ca's database of issued certificates
    TestFiles.mkdirs(dir.resolve("newcerts"));
    TestFiles.write(pki.config, caConfig(dir));
    Cmd.ok("openssl", "req", "-x509", "-config", pki.config.toString(), "-extensions", "ca_ext",
        "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=" + caName,
        "-keyout", pki.caKey.toString(), "-out", pki.caCert.toString());
    return pki;
  }

  /** A server certificate (EKU serverAuth) for {@code sans} ("IP:…", "DNS:…"), valid 30 days. */
  CertAndKey server(String name, List<String> sans) {
    Instant now = Instant.now();
    return server(name, sans, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30)));
  }

  /** A server certificate valid from {@code notBefore} to {@code notAfter}, which may be past. */
  CertAndKey server(String name, List<String> sans, Instant notBefore, Instant notAfter) {
    return leaf(name, "serverAuth", sans, notBefore, notAfter);
  }

  /** A client certificate (EKU clientAuth) with common name {@code name}, valid 30 days. */
  CertAndKey client(String name) {
    Instant now = Instant.now();
    return leaf(name, "clientAuth", List.of(), now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30)));
  }

  /**
   * Signs a CSR as a tls-certificates provider does: the subject and the SANs come from the
   * request, this CA adds CA:FALSE, the key usages and EKU serverAuth. Returns the certificate PEM.
   */
  String sign(String csrPem, int days) {
    String base = nextBase("csr");
    Path csr = TestFiles.write(dir.resolve(base + ".csr"), csrPem);
    Path cert = dir.resolve(base + ".crt");
    Cmd.ok("openssl", "ca", "-batch", "-notext", "-config", config.toString(), "-extensions", "signed_ext",
        "-days", Integer.toString(days), "-in", csr.toString(), "-out", cert.toString());
    return read(cert);
  }

  /**
   * An intermediate CA signed by this one (CA:TRUE, keyCertSign), in {@code dir}: its leaves and
   * {@link #sign} are signed by the intermediate, and its {@link #caPem} is the intermediate.
   */
  TestPki intermediate(Path dir, String name) {
    TestPki sub = new TestPki(dir);
    TestFiles.write(dir.resolve("index.txt"), "");
    TestFiles.mkdirs(dir.resolve("newcerts"));
    TestFiles.write(sub.config, caConfig(dir));
    Path csr = dir.resolve("ca.csr");
    Cmd.ok("openssl", "req", "-new", "-config", sub.config.toString(), "-newkey", "rsa:2048", "-nodes",
        "-subj", "/CN=" + name, "-keyout", sub.caKey.toString(), "-out", csr.toString());
    Cmd.ok("openssl", "ca", "-batch", "-notext", "-config", config.toString(), "-extensions", "ca_ext",
        "-days", "3650", "-in", csr.toString(), "-out", sub.caCert.toString());
    return sub;
  }

  String caPem() {
    return read(caCert);
  }

  Path caCertPath() {
    return caCert;
  }

  Path caKeyPath() {
    return caKey;
  }

  @Override
  public void close() {
    TestFiles.deleteTree(dir);
  }

  private CertAndKey leaf(String name, String eku, List<String> sans, Instant notBefore, Instant notAfter) {
    String base = nextBase(name);
    Path key = dir.resolve(base + ".key");
    Path csr = dir.resolve(base + ".csr");
    Path cert = dir.resolve(base + ".crt");
    StringBuilder ext = new StringBuilder("[leaf]\n")
        .append("basicConstraints = critical,CA:FALSE\n")
        .append("keyUsage = critical,digitalSignature,keyEncipherment\n")
        .append("extendedKeyUsage = ").append(eku).append('\n')
        .append("subjectKeyIdentifier = hash\n")
        .append("authorityKeyIdentifier = keyid\n");
    if (!sans.isEmpty()) {
      ext.append("subjectAltName = ").append(String.join(",", sans)).append('\n');
    }
    Path extFile = TestFiles.write(dir.resolve(base + ".ext"), ext.toString());
    Cmd.ok("openssl", "req", "-new", "-config", config.toString(), "-newkey", "rsa:2048", "-nodes",
        "-subj", "/CN=" + name, "-keyout", key.toString(), "-out", csr.toString());
    Cmd.ok("openssl", "ca", "-batch", "-notext", "-config", config.toString(),
        "-extfile", extFile.toString(), "-extensions", "leaf",
        "-startdate", OPENSSL_TIME.format(notBefore), "-enddate", OPENSSL_TIME.format(notAfter),
        "-in", csr.toString(), "-out", cert.toString());
    return new CertAndKey(cert, key);
  }

  private String nextBase(String name) {
    return String.format("%03d-%s", ++issued, TestFiles.safeName(name));
  }

  /**
   * The CA's own configuration, so nothing depends on the system openssl.cnf. rand_serial needs
   * no serial file; unique_subject = no allows re-issuing a name; copy_extensions = copy takes a
   * request's SANs (the extensions section wins where both set one).
   */
  private static String caConfig(Path dir) {
    return String.join("\n",
        "[req]",
        "distinguished_name = req_dn",
        "[req_dn]",
        "[ca]",
        "default_ca = test_ca",
        "[test_ca]",
        "dir = " + dir,
        "database = $dir/index.txt",
        "new_certs_dir = $dir/newcerts",
        "certificate = $dir/ca.crt",
        "private_key = $dir/ca.key",
        "rand_serial = yes",
        "unique_subject = no",
        "default_md = sha256",
        "policy = policy_any",
        "copy_extensions = copy",
        "[policy_any]",
        "commonName = optional",
        "organizationName = optional",
        "[ca_ext]",
        "basicConstraints = critical,CA:TRUE",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
        "[signed_ext]",
        "basicConstraints = critical,CA:FALSE",
        "keyUsage = critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage = serverAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        "");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
