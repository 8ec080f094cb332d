package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The TLS and authentication fixtures against the real registry binary and real clients: Java's
 * HttpClient, docker (through the real dockerd) and skopeo. Registries run as plain processes
 * ({@link RegistryProcess}); only docker and skopeo touch the engine.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FixturesIT {
  static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final AtomicInteger registries = new AtomicInteger();
  private final List<String> tags = new ArrayList<>();
  private Path work;
  private String host;
  private TestPki pki;
  private CertAndKey server;
  private String tiny;

  @BeforeAll
  void setUp() throws IOException {
    work = Files.createTempDirectory("fixtures-it");
    host = TestNet.hostAddress();
    pki = TestPki.create(work.resolve("pki"), "fixtures-ca");
    server = pki.server("registry", List.of("IP:" + host, "IP:127.0.0.1", "DNS:localhost"));
    tiny = TestImages.tiny(work, "it/fixtures-tiny:" + UUID.randomUUID().toString().substring(0, 8));
    tags.add(tiny);
  }

  @AfterAll
  void tearDown() {
    for (String tag : tags) {
      Cmd.run("docker", "rmi", tag);
    }
    if (pki != null) {
      pki.close();
    }
    TestFiles.deleteTree(work);
  }

  @Test
  void httpsIsTrustedWithItsCaAndOnlyWithIt() {
    try (RegistryProcess registry = registry(tls(server, null));
        TestPki other = TestPki.create(work.resolve("other-pki"), "fixtures-other-ca")) {
      String url = "https://" + registry.netloc(host) + "/v2/";
      assertEquals(200, send(TlsClients.trusting(pki.caPem()), url).statusCode());
      assertEquals(200, send(TlsClients.trusting(pki.caPem()), "https://localhost:" + registry.port() + "/v2/").statusCode());
      assertThrows(SSLHandshakeException.class, () -> sendOrThrow(HttpClient.newHttpClient(), url), "JDK roots");
      assertThrows(SSLHandshakeException.class, () -> sendOrThrow(TlsClients.trusting(other.caPem()), url), "another TestPki");
      assertNotEquals(pki.caPem(), other.caPem());
    }
  }

  @Test
  void anExpiredServerCertificateIsRefused() {
    Instant now = Instant.now();
    CertAndKey expired = pki.server("expired", List.of("IP:" + host),
        now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(30)));
    X509Certificate cert = Pem.certificate(expired.certPem());
    assertTrue(cert.getNotAfter().toInstant().isBefore(now), "notAfter " + cert.getNotAfter());
    try (RegistryProcess registry = registry(tls(expired, null))) {
      SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
          () -> sendOrThrow(TlsClients.trusting(pki.caPem()), "https://" + registry.netloc(host) + "/v2/"));
      assertTrue(causes(e).contains("expired") || causes(e).contains("NotAfter"), causes(e));
    }
  }

  @Test
  void clientCasRequireAClientCertificateSignedByTheCa() {
    try (RegistryProcess registry = registry(tls(server, pki.caCertPath()));
        TestPki other = TestPki.create(work.resolve("client-other-pki"), "fixtures-client-other-ca")) {
      String url = "https://" + registry.netloc(host) + "/v2/";
      String noCert = "tls: client didn't provide a certificate";
      assertRefused(registry, TlsClients.trusting(pki.caPem()), url, noCert);
      assertEquals(200, send(TlsClients.withClientCert(pki.caPem(), pki.client("fixtures-client")), url).statusCode());
      // The JDK offers no certificate whose issuer is not among the server's acceptable CAs.
      assertRefused(registry, TlsClients.withClientCert(pki.caPem(), other.client("stranger")), url, noCert);
      // The original charm hands dockerd its server certificate as the client certificate; Go
      // checks a client certificate's EKU, and this one says serverAuth only.
      assertRefused(registry, TlsClients.withClientCert(pki.caPem(), server), url,
          "failed to verify client certificate: x509: certificate specifies an incompatible key usage");
    }
  }

  @Test
  void signKeepsTheSubjectAndSansOfTheRequest() throws Exception {
    Path key = work.resolve("csr.key");
    Path csr = work.resolve("csr.pem");
    Cmd.ok("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
        "-subj", "/CN=10.1.2.3", "-addext", "subjectAltName=IP:10.1.2.3,DNS:unit.example",
        "-addext", "basicConstraints=critical,CA:TRUE");
    X509Certificate cert = Pem.certificate(pki.sign(Files.readString(csr), 10));
    cert.verify(Pem.certificate(pki.caPem()).getPublicKey());
    assertEquals("CN=10.1.2.3", cert.getSubjectX500Principal().getName());
    Set<String> sans = cert.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).collect(Collectors.toSet());
    assertEquals(Set.of("10.1.2.3", "unit.example"), sans);
    assertEquals(-1, cert.getBasicConstraints(), "the CA's CA:FALSE wins over the request's CA:TRUE");
    assertEquals(List.of(OID_SERVER_AUTH), cert.getExtendedKeyUsage());
    long days = Duration.between(Instant.now(), cert.getNotAfter().toInstant()).toDays();
    assertTrue(days >= 9 && days <= 10, days + " days");
  }

  @Test
  void dockerAndSkopeoVerifyTheRegistryAgainstCertsD() throws IOException {
    try (RegistryProcess registry = registry(tls(server, null))) {
      String netloc = registry.netloc(host);
      String image = tag(netloc + "/fixtures/tiny:1");
      Cmd untrusted = Cmd.run("docker", "push", image);
      assertNotEquals(0, untrusted.exitCode(), untrusted.output());
      assertTrue(untrusted.output().contains("x509"), untrusted.output());

      Path source = unitCertsDir("trust-ca", Map.of("ca.crt", pki.caPem()));
      try (HostTrust trust = HostTrust.install(netloc, source)) {
        assertEquals(Set.of("ca.crt"), names(trust.dir()));
        Cmd.ok("docker", "push", image);
      }
      assertFalse(Files.exists(HostTrust.CERTS_D.resolve(netloc)), "HostTrust.close removes its directory");

      String dest = "docker://" + netloc + "/fixtures/skopeo:1";
      Cmd.ok("skopeo", "copy", "--dest-cert-dir", source.toString(), "docker-daemon:" + tiny, dest);
      Path empty = Files.createDirectories(work.resolve("no-certs"));
      Cmd refused = Cmd.run("skopeo", "copy", "--dest-cert-dir", empty.toString(), "docker-daemon:" + tiny, dest);
      assertNotEquals(0, refused.exitCode(), refused.output());
      assertTrue(refused.output().contains("x509"), refused.output());
    }
  }

  @Test
  void dockerPresentsTheClientCertificateFromCertsD() throws IOException {
    try (RegistryProcess registry = registry(tls(server, pki.caCertPath()))) {
      String netloc = registry.netloc(host);
      String image = tag(netloc + "/fixtures/mtls:1");
      try (HostTrust trust = HostTrust.install(netloc, unitCertsDir("mtls-ca", Map.of("ca.crt", pki.caPem())))) {
        Cmd refused = Cmd.run("docker", "push", image);
        assertNotEquals(0, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("tls: bad certificate"), refused.output());
      }
      // What the original charm set up for the unit's own docker: the server pair as client pair.
      Path serverAsClient = unitCertsDir("mtls-server-as-client",
          Map.of("ca.crt", pki.caPem(), "client.cert", server.certPem(), "client.key", server.keyPem()));
      try (HostTrust trust = HostTrust.install(netloc, serverAsClient)) {
        Cmd refused = Cmd.run("docker", "push", image);
        assertNotEquals(0, refused.exitCode(), refused.output());
        assertTrue(registry.log().contains("x509: certificate specifies an incompatible key usage"), registry.log());
      }
      CertAndKey client = pki.client("dockerd");
      Path source = unitCertsDir("mtls-client",
          Map.of("ca.crt", pki.caPem(), "client.cert", client.certPem(), "client.key", client.keyPem()));
      try (HostTrust trust = HostTrust.install(netloc, source)) {
        assertEquals(Set.copyOf(HostTrust.FILES), names(trust.dir()));
        Cmd.ok("docker", "push", image);
      }
    }
  }

  @Test
  void easyRsaCertificatesServeAsIssued() throws Exception {
    try (EasyRsa easyRsa = EasyRsa.create(work.resolve("easyrsa"), "fixtures-easyrsa-ca")) {
      CertAndKey issued = easyRsa.serverFull(host, List.of("IP:" + host, "DNS:localhost"));
      assertTrue(issued.certPem().startsWith("Certificate:"), "easy-rsa writes a text dump first");
      X509Certificate cert = Pem.certificate(issued.certPem());
      assertEquals(List.of(OID_SERVER_AUTH), cert.getExtendedKeyUsage());
      try (RegistryProcess registry = registry(tls(issued, null))) {
        String url = "https://" + registry.netloc(host) + "/v2/";
        assertEquals(200, send(TlsClients.trusting(easyRsa.caPem()), url).statusCode(), registry.log());
        assertThrows(SSLHandshakeException.class, () -> sendOrThrow(TlsClients.trusting(pki.caPem()), url));
        try (HostTrust trust = HostTrust.install(registry.netloc(host),
            unitCertsDir("easyrsa-ca", Map.of("ca.crt", easyRsa.caPem())))) {
          Cmd.ok("docker", "push", tag(registry.netloc(host) + "/fixtures/easyrsa:1"));
        }
      }
      CertAndKey client = easyRsa.clientFull("fixtures-client");
      assertEquals(List.of(OID_CLIENT_AUTH), Pem.certificate(client.certPem()).getExtendedKeyUsage());
    }
  }

  @Test
  void easyRsaLegacyProviderBagReissuesWhenTheSansChange() throws Exception {
    try (EasyRsa easyRsa = EasyRsa.create(work.resolve("easyrsa-bag"), "fixtures-easyrsa-bag-ca")) {
      Map<String, String> bag = easyRsa.legacyProviderUnitBag("docker-registry_0", "10.9.8.7", List.of("IP:10.9.8.7"));
      assertEquals(Set.of("ca", "client.cert", "client.key", "docker-registry_0.server.cert", "docker-registry_0.server.key"),
          bag.keySet());
      X509Certificate ca = Pem.certificate(bag.get("ca"));
      X509Certificate first = Pem.certificate(bag.get("docker-registry_0.server.cert"));
      first.verify(ca.getPublicKey());
      assertEquals("CN=10.9.8.7", first.getSubjectX500Principal().getName());
      Pem.privateKey(bag.get("docker-registry_0.server.key"));
      assertEquals(List.of(OID_CLIENT_AUTH), Pem.certificate(bag.get("client.cert")).getExtendedKeyUsage());

      Map<String, String> again = easyRsa.legacyProviderUnitBag("docker-registry_0", "10.9.8.7", List.of("IP:10.9.8.7", "DNS:reg.example"));
      X509Certificate second = Pem.certificate(again.get("docker-registry_0.server.cert"));
      assertNotEquals(first.getSerialNumber(), second.getSerialNumber());
      assertEquals(2, second.getSubjectAlternativeNames().size());
      assertEquals(bag.get("client.cert"), again.get("client.cert"), "one global client certificate");
    }
  }

  @Test
  void tokenAuthAcceptsTheIssuersTokensAndRejectsARogue() {
    try (TokenIssuer issuer = TokenIssuer.start(work.resolve("token"), "fixtures-issuer", "fixtures-registry");
        TokenIssuer rogue = issuer.rogue(work.resolve("rogue"));
        RegistryProcess registry = registry(token(issuer))) {
      assertEquals(issuer.rootCertBundlePem(),
          new String(Base64.getDecoder().decode(issuer.rootCertBundleBase64()), StandardCharsets.UTF_8));
      assertEquals(issuer.issuer(), rogue.issuer());
      assertNotEquals(issuer.keyId(), rogue.keyId());
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + registry.port();

      HttpResponse<String> challenge = send(http, base + "/v2/");
      assertEquals(401, challenge.statusCode());
      assertEquals("Bearer realm=\"" + issuer.realm() + "\",service=\"" + issuer.service() + "\"",
          challenge.headers().firstValue("WWW-Authenticate").orElse(""));

      String catalog = base + "/v2/_catalog";
      assertEquals(200, send(http, catalog, "Authorization", "Bearer " + issuer.mint("registry:catalog:*")).statusCode(),
          registry.log());
      assertEquals(401, send(http, catalog, "Authorization", "Bearer " + rogue.mint("registry:catalog:*")).statusCode());
      assertEquals(401, send(http, catalog, "Authorization", "Bearer " + issuer.mint("repository:fixtures/x:pull")).statusCode(),
          "a token without the catalog scope");
    }
  }

  @Test
  void dockerAndSkopeoFetchTokensFromTheRealm() {
    try (TokenIssuer issuer = TokenIssuer.start(work.resolve("token-clients"), "fixtures-issuer", "fixtures-registry");
        RegistryProcess registry = registry(token(issuer))) {
      // Plain HTTP on loopback (dockerd's insecure range): this test is about tokens, not TLS.
      String netloc = registry.netloc("127.0.0.1");
      Cmd.ok("docker", "push", tag(netloc + "/fixtures/token:1"));
      assertTrue(issuer.requestedScopes().contains("repository:fixtures/token:push,pull"), issuer.requestedScopes().toString());

      Cmd.ok("skopeo", "copy", "--dest-tls-verify=false", "docker-daemon:" + tiny, "docker://" + netloc + "/fixtures/token-skopeo:1");
      assertTrue(issuer.requestedScopes().stream().anyMatch(s -> s.startsWith("repository:fixtures/token-skopeo:")),
          issuer.requestedScopes().toString());
      HttpResponse<String> tags = send(HttpClient.newHttpClient(), "http://" + netloc + "/v2/fixtures/token-skopeo/tags/list",
          "Authorization", "Bearer " + issuer.mint("repository:fixtures/token-skopeo:pull"));
      assertEquals(200, tags.statusCode());
      assertTrue(tags.body().contains("\"1\""), tags.body());
    }
  }

  // ---------------------------------------------------------------------------------------------

  private RegistryProcess registry(String sections) {
    Path dir = work.resolve("registry-" + registries.incrementAndGet());
    return RegistryProcess.start(dir, RegistryProcess.baseConfig(dir.resolve("storage")) + sections);
  }

  private static String tls(CertAndKey cert, Path clientCa) {
    String yml = "http:\n  tls:\n    certificate: " + cert.cert() + "\n    key: " + cert.key() + "\n";
    return clientCa == null ? yml : yml + "    clientcas:\n      - " + clientCa + "\n";
  }

  private String token(TokenIssuer issuer) {
    Path bundle = TestFiles.write(work.resolve("bundle-" + UUID.randomUUID() + ".crt"), issuer.rootCertBundlePem());
    return "auth:\n  token:\n"
        + "    realm: " + issuer.realm() + "\n"
        + "    service: " + issuer.service() + "\n"
        + "    issuer: " + issuer.issuer() + "\n"
        + "    rootcertbundle: " + bundle + "\n";
  }

  /**
   * Expects the registry to refuse the TLS client and its log to say {@code reason}. With TLS 1.3
   * the server checks the client certificate after the client's side of the handshake is done, so
   * the client sees an alert, a reset or, now and then, nothing at all until its timeout (the JDK
   * client misses the close); the registry's log is the reliable witness.
   */
  private static void assertRefused(RegistryProcess registry, HttpClient client, String url, String reason) {
    long before = registry.log().lines().filter(l -> l.contains(reason)).count();
    assertThrows(IOException.class, () -> sendOrThrow(client, url, Duration.ofSeconds(3)), "refused: " + reason);
    Poll.until(Duration.ofSeconds(5), () -> registry.log().lines().filter(l -> l.contains(reason)).count() > before,
        () -> "the registry log does not say \"" + reason + "\":\n" + registry.log());
  }

  /** Tags the tiny image as {@code image} and remembers the tag for clean-up. */
  private String tag(String image) {
    Cmd.ok("docker", "tag", tiny, image);
    tags.add(image);
    return image;
  }

  /** A directory laid out like a unit's certs.d/<netloc>/ with the given files. */
  private Path unitCertsDir(String name, Map<String, String> files) {
    Path dir = work.resolve("unit-certs").resolve(name);
    files.forEach((file, text) -> TestFiles.write(dir.resolve(file), text));
    return dir;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  private static HttpResponse<String> send(HttpClient client, String url, String... headers) {
    try {
      return sendOrThrow(client, url, headers);
    } catch (IOException e) {
      throw new AssertionError(url + ": " + causes(e), e);
    }
  }

  private static HttpResponse<String> sendOrThrow(HttpClient client, String url, String... headers) throws IOException {
    return sendOrThrow(client, url, Duration.ofSeconds(10), headers);
  }

  private static HttpResponse<String> sendOrThrow(HttpClient client, String url, Duration timeout, String... headers)
      throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String causes(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
    }
    return out.toString();
  }
}
