package charm.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HTTPS from every source (option paths, option blobs, the cert-provider relation in its legacy
 * and modern protocols) and token authentication, checked with real clients: docker through the
 * real dockerd, skopeo and Java's HttpClient. The unit's address is the host's docker0 address,
 * because dockerd does not verify registries on loopback.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> TLS_OPTIONS = List.of("tls-cert-blob", "tls-key-blob", "tls-ca-blob", "tls-verify-clients",
      "tls-client-ca-blob");

  SimUnit unit;
  String host;
  String netloc;
  TestPki pki;
  String tiny;
  final List<String> secrets = new ArrayList<>();
  final List<String> actionOutput = new ArrayList<>();

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-tls");
    host = TestNet.hostAddress();
    unit.sim.setAddress(SimUnit.UNIT, host);
    unit.hook("config-changed");
    netloc = host + ":" + unit.port;
    assertEquals("Ready at " + netloc + " (http).", unit.status().message);
    pki = TestPki.create(unit.work.resolve("pki"), "it-tls-ca");
    tiny = TestImages.tiny(unit.work, "it/tls-tiny:" + unit.name);
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      for (String line : Cmd.lines(Cmd.run("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").output())) {
        if (line.startsWith(netloc + "/") || line.equals(tiny)) {
          Cmd.run("docker", "rmi", line);
        }
      }
      unit.close();
    }
  }

  /** Every test leaves the unit serving plain HTTP again, with no TLS file of the charm's left. */
  @AfterEach
  void backToHttp() {
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (http).", unit.status().message);
    assertFalse(Files.exists(unit.root.resolve("etc/docker/registry/tls/registry.crt")));
    assertFalse(Files.exists(certsD()), "the engine's trust follows");
    assertTrue(daemonJson().contains(netloc), "insecure-registries has the http netloc again");
  }

  @Test
  @Order(1)
  void certificateFilesAtTheOptionPathsServeHttpsAndClientsNeedACertificate() throws Exception {
    CertAndKey server = pki.server("registry", List.of("IP:" + host, "IP:127.0.0.1"));
    Path dir = unit.root.resolve("etc/docker/registry");
    Files.writeString(dir.resolve("registry.crt"), server.certPem());
    Files.writeString(dir.resolve("registry.key"), server.keyPem());
    Files.writeString(dir.resolve("ca.crt"), pki.caPem());
    secrets.add(keyBody(server.keyPem()));
    try {
      unit.hook("config-changed");
      unit.assertActive();
      assertEquals("Ready at " + netloc + " (https).", unit.status().message);
      assertFalse(daemonJson().contains(netloc), "no insecure-registries entry while HTTPS");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls/registry.key"))));

      String url = "https://" + netloc + "/v2/";
      assertRefused(pki.caPem(), null, url, "the registry asks for a client certificate");
      CertAndKey local = new CertAndKey(certsD().resolve("client.cert"), certsD().resolve("client.key"));
      assertEquals(200, send(TlsClients.withClientCert(pki.caPem(), local), url).statusCode(), "the unit's local client");
      assertTrue(untrusted(HttpClient.newHttpClient(), url), "the JDK's roots do not know the CA");

      String image = netloc + "/it/tls:1";
      Cmd.ok("docker", "tag", tiny, image);
      Cmd untrusted = Cmd.run("docker", "push", image);
      assertNotEquals(0, untrusted.exitCode(), "dockerd verifies a non-loopback registry: " + untrusted.output());
      try (HostTrust trust = HostTrust.install(netloc, certsD())) {
        Cmd.ok("docker", "push", image);
        Cmd.ok("skopeo", "copy", "--dest-cert-dir", certsD().toString(), "docker-daemon:" + tiny, "docker://" + netloc + "/it/tls-skopeo:1");
        // The push action goes through the unit's engine, which trusts what the charm wrote.
        jujusim.ActionOutcome push = unit.sim.runAction(SimUnit.UNIT, "push", Map.of("image", tiny, "pull", false));
        assertEquals("completed", push.status, push.message);
        assertEquals("pushed " + netloc + "/" + tiny, push.results.get("raw"));
        actionOutput.add(String.valueOf(push.results) + push.logs + push.message);
      }

      unit.config(Map.of("tls-verify-clients", false), List.of());
      assertEquals(200, send(TlsClients.trusting(pki.caPem()), url).statusCode(), "no client certificate needed any more");
      assertFalse(Files.exists(certsD().resolve("client.key")), "the engine no longer presents one");
      unit.config(Map.of(), List.of("tls-verify-clients"));
    } finally {
      Files.deleteIfExists(dir.resolve("registry.crt"));
      Files.deleteIfExists(dir.resolve("registry.key"));
      Files.deleteIfExists(dir.resolve("ca.crt"));
    }
    unit.hook("config-changed");
  }

  @Test
  @Order(2)
  void blobsAreWrittenToThePathsAndRemovedWithThem() throws Exception {
    CertAndKey server = pki.server("blob", List.of("IP:" + host));
    secrets.add(keyBody(server.keyPem()));
    unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem()),
        "tls-verify-clients", false), List.of());
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    Path dir = unit.root.resolve("etc/docker/registry");
    assertEquals(server.keyPem(), Files.readString(dir.resolve("registry.key")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("registry.key"))));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("registry.crt"))));
    assertEquals(200, send(TlsClients.trusting(pki.caPem()), "https://" + netloc + "/v2/").statusCode());
    String before = SimUnit.idAndStart(unit.name);
    for (String hook : List.of("config-changed", "update-status", "config-changed")) {
      assertEquals(List.of(), unit.hook(hook).writes(), hook + " writes nothing to Juju");
    }
    assertEquals(before, SimUnit.idAndStart(unit.name), "nothing changes on a second hook");

    unit.config(Map.of(), TLS_OPTIONS);
    assertFalse(Files.exists(dir.resolve("registry.key")), "the files written from the blobs go with them");
    assertEquals(200, Http.status("http://" + netloc + "/v2/"));
  }

  @Test
  @Order(3)
  void badMaterialBlocksWithTheReasonAndKeepsThePreviousConfiguration() throws Exception {
    CertAndKey good = pki.server("good", List.of("IP:" + host));
    CertAndKey other = pki.server("other", List.of("IP:" + host));
    CertAndKey expired = pki.server("expired", List.of("IP:" + host),
        Instant.now().minus(Duration.ofDays(60)), Instant.now().minus(Duration.ofDays(1)));
    CertAndKey elsewhere = pki.server("elsewhere", List.of("IP:10.99.99.99", "DNS:elsewhere.example"));
    secrets.add(keyBody(good.keyPem()));
    String before = SimUnit.idAndStart(unit.name);
    assertBlocked(Map.of("tls-cert-blob", b64(good.certPem()), "tls-key-blob", b64(other.keyPem())),
        "TLS from tls-*-blob: the private key does not match the certificate", before, "http");
    assertBlocked(Map.of("tls-cert-blob", b64(expired.certPem()), "tls-key-blob", b64(expired.keyPem())),
        "TLS from tls-*-blob: the certificate expired on ", before, "http");
    assertBlocked(Map.of("tls-cert-blob", b64(elsewhere.certPem()), "tls-key-blob", b64(elsewhere.keyPem())),
        "TLS from tls-*-blob: the certificate names ", before, "http");
    assertBlocked(Map.of("tls-cert-blob", "bm90IGEgY2VydGlmaWNhdGU=", "tls-key-blob", b64(good.keyPem())),
        "Invalid charm config: tls-cert-blob (must be base64 of a PEM certificate)", before, "http");

    // From HTTPS too: a bad new certificate leaves the good one serving.
    unit.config(Map.of("tls-cert-blob", b64(good.certPem()), "tls-key-blob", b64(good.keyPem()), "tls-ca-blob", b64(pki.caPem()),
        "tls-verify-clients", false), List.of());
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    String https = SimUnit.idAndStart(unit.name);
    assertBlocked(Map.of("tls-cert-blob", b64(expired.certPem()), "tls-key-blob", b64(expired.keyPem())),
        "TLS from tls-*-blob: the certificate expired on ", https, "https");
    unit.config(Map.of(), TLS_OPTIONS);
  }

  @Test
  @Order(4)
  void theLegacyRelationWithEasyRsa() throws Exception {
    try (EasyRsa easyrsa = EasyRsa.create(unit.work.resolve("easyrsa"), "it-easyrsa-ca")) {
      int relation = unit.sim.integrate("cert-provider", "easyrsa", List.of("easyrsa/0"), Map.of(), Map.of());
      try {
        legacy(easyrsa, relation);
      } finally {
        unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      }
      assertFalse(Files.exists(unit.root.resolve("etc/docker/registry/cert-provider/request.key")), "the request's key goes too");
    }
  }

  private void legacy(EasyRsa easyrsa, int relation) throws IOException {
    assertEquals("waiting", unit.status().status, "related for TLS: no certificate yet");
    assertEquals("Waiting for a certificate from cert-provider", unit.status().message);
    Map<String, String> request = unit.sim.localUnitData(relation, SimUnit.UNIT);
    assertEquals("docker-registry_0", request.get("unit_name"));
    assertEquals(host, request.get("common_name"));
    List<String> sans = new ArrayList<>();
    JSON.readTree(request.get("sans")).forEach(n -> sans.add(n.asText()));
    assertTrue(sans.contains(host), sans.toString());

    Map<String, String> bag = easyrsa.legacyProviderUnitBag("docker-registry_0", host, sans);
    secrets.add(keyBody(bag.get("docker-registry_0.server.key")));
    unit.sim.setRemoteUnitData(relation, "easyrsa/0", bag).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    assertEquals(easyrsa.caPem().strip(), Files.readString(certsD().resolve("ca.crt")).strip(), "the engine trusts easyrsa's CA");
    String image = netloc + "/it/tls-easyrsa:1";
    Cmd.ok("docker", "tag", tiny, image);
    try (HostTrust trust = HostTrust.install(netloc, certsD())) {
      Cmd.ok("docker", "push", image);
    }
  }

  @Test
  @Order(5)
  void theModernRelationSignsTheCharmsOwnRequest() throws Exception {
    int relation = unit.sim.integrate("cert-provider", "self-signed-certificates", List.of("self-signed-certificates/0"), Map.of(), Map.of());
    try {
      modern(relation);
    } finally {
      unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    }
  }

  private void modern(int relation) throws IOException {
    JsonNode requests = JSON.readTree(unit.sim.localUnitData(relation, SimUnit.UNIT).get("certificate_signing_requests"));
    String csr = requests.get(0).get("certificate_signing_request").asText();
    assertFalse(requests.get(0).get("ca").asBoolean());
    Path key = unit.root.resolve("etc/docker/registry/cert-provider/request.key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)), "the key stays root-only");
    secrets.add(keyBody(Files.readString(key)));

    String cert = pki.sign(csr, 30);
    String certificates = JSON.writeValueAsString(List.of(Map.of(
        "certificate", cert, "certificate_signing_request", csr, "ca", pki.caPem(), "chain", List.of(cert, pki.caPem()))));
    unit.sim.setRemoteAppData(relation, Map.of("certificates", certificates)).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    CertAndKey local = new CertAndKey(certsD().resolve("client.cert"), certsD().resolve("client.key"));
    assertEquals(200, send(TlsClients.withClientCert(pki.caPem(), local), "https://" + netloc + "/v2/").statusCode());
    String before = SimUnit.idAndStart(unit.name);
    unit.hook("update-status");
    unit.hook("config-changed");
    assertEquals(before, SimUnit.idAndStart(unit.name), "an answered request changes nothing on later hooks");
    assertEquals(requests.toString(), JSON.readTree(unit.sim.localUnitData(relation, SimUnit.UNIT).get("certificate_signing_requests")).toString(),
        "the same request, not a new one");
  }

  @Test
  @Order(6)
  void tokenAuthAcceptsTokensFromTheBundleOnly() throws Exception {
    try (TokenIssuer issuer = TokenIssuer.start(unit.work.resolve("token"), "it-issuer", "it-registry");
        TokenIssuer rogue = issuer.rogue(unit.work.resolve("rogue"))) {
      unit.config(Map.of("auth-token-realm", issuer.realm(), "auth-token-service", issuer.service(), "auth-token-issuer", issuer.issuer(),
          "auth-token-root-certs", issuer.rootCertBundleBase64()), List.of());
      unit.assertActive();
      HttpResponse<String> challenge = Http.send("GET", "http://" + netloc + "/v2/");
      assertEquals(401, challenge.statusCode());
      assertEquals("Bearer realm=\"" + issuer.realm() + "\",service=\"it-registry\"", challenge.headers().firstValue("Www-Authenticate").orElse(""));
      String catalog = "http://" + netloc + "/v2/_catalog";
      assertEquals(200, Http.send("GET", catalog, "Authorization", "Bearer " + issuer.mint("registry:catalog:*")).statusCode());
      assertEquals(401, Http.send("GET", catalog, "Authorization", "Bearer " + rogue.mint("registry:catalog:*")).statusCode());
      String image = "127.0.0.1:" + unit.port + "/it/tls-token:1";
      Cmd.ok("docker", "tag", tiny, image);
      try {
        Cmd.ok("docker", "push", image);
      } finally {
        Cmd.run("docker", "rmi", image); // the tag only: the image stays under its other names
      }
      assertTrue(issuer.requestedScopes().stream().anyMatch(s -> s.contains("it/tls-token")), issuer.requestedScopes().toString());
      unit.config(Map.of(), List.of("auth-token-realm", "auth-token-service", "auth-token-issuer", "auth-token-root-certs"));
    }
  }

  @Test
  @Order(7)
  void aTlsPathNamingAFileTheCharmDidNotWriteIsNeitherOverwrittenNorRemoved() throws Exception {
    CertAndKey server = pki.server("foreign-path", List.of("IP:" + host));
    secrets.add(keyBody(server.keyPem()));
    Path daemon = unit.root.resolve("etc/docker/daemon.json");
    byte[] daemonJson = Files.readAllBytes(daemon);
    String before = SimUnit.idAndStart(unit.name);
    try {
      unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem()),
          "tls-ca-path", "/etc/docker/daemon.json"), List.of());
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertTrue(unit.status().message.contains("tls-ca-path") && unit.status().message.contains("/etc/docker/daemon.json"),
          unit.status().message);
      assertArrayEquals(daemonJson, Files.readAllBytes(daemon), "daemon.json is not the charm's: never written");
      assertFalse(Files.exists(unit.root.resolve("etc/docker/registry/registry.crt")), "nothing half-written");
      assertEquals(before, SimUnit.idAndStart(unit.name), "the registry keeps serving as it was");
      assertEquals(200, Http.status("http://" + netloc + "/v2/"));

      unit.config(Map.of(), List.of("tls-cert-blob", "tls-key-blob", "tls-ca-blob"));
      assertArrayEquals(daemonJson, Files.readAllBytes(daemon), "nor removed when the blobs go");
    } finally {
      if (!Files.exists(daemon) || !java.util.Arrays.equals(daemonJson, Files.readAllBytes(daemon))) {
        Files.write(daemon, daemonJson); // what the code before the fix did to it
      }
      unit.config(Map.of(), List.of("tls-ca-path", "tls-cert-blob", "tls-key-blob", "tls-ca-blob"));
    }
  }

  @Test
  @Order(8)
  void unsettingTheCaBlobAloneLetsClientsInWithoutACertificateAndBlobsFromAnotherCaServe() throws Exception {
    CertAndKey server = pki.server("ca-blob", List.of("IP:" + host));
    secrets.add(keyBody(server.keyPem()));
    Path dir = unit.root.resolve("etc/docker/registry");
    String url = "https://" + netloc + "/v2/";
    unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of());
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    assertRefused(pki.caPem(), null, url, "with the CA, clients need a certificate it signed");

    unit.config(Map.of(), List.of("tls-ca-blob"));
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    assertFalse(Files.exists(dir.resolve("ca.crt")), "the file written from tls-ca-blob goes with it");
    assertFalse(Files.exists(dir.resolve("tls/client-cas.pem")), "and so does the client CA bundle");
    assertEquals(200, send(TlsClients.trusting(pki.caPem()), url).statusCode(), "a client without a certificate gets in");

    try (TestPki other = TestPki.create(unit.work.resolve("pki-other"), "it-tls-other-ca")) {
      CertAndKey renewed = other.server("renewed", List.of("IP:" + host));
      secrets.add(keyBody(renewed.keyPem()));
      unit.config(Map.of("tls-cert-blob", b64(renewed.certPem()), "tls-key-blob", b64(renewed.keyPem())), List.of());
      unit.assertActive();
      assertEquals(200, send(TlsClients.trusting(other.caPem()), url).statusCode(), "the new certificate is served");
    }
    unit.config(Map.of(), TLS_OPTIONS);
  }

  @Test
  @Order(9)
  void withHttpHostTheServedCertificateNamesTheHostClientsAreSentTo() throws Exception {
    String name = "htls-registry.example";
    CertAndKey ipOnly = pki.server("ip-only", List.of("IP:" + host));
    CertAndKey named = pki.server("named", List.of("DNS:" + name));
    secrets.add(keyBody(ipOnly.keyPem()));
    secrets.add(keyBody(named.keyPem()));
    String before = SimUnit.idAndStart(unit.name);
    try {
      unit.config(Map.of("http-host", "https://" + name + ":" + unit.port + "/", "tls-verify-clients", false,
          "tls-cert-blob", b64(ipOnly.certPem()), "tls-key-blob", b64(ipOnly.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of());
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertTrue(unit.status().message.startsWith("TLS from tls-*-blob: ") && unit.status().message.contains("http-host")
          && unit.status().message.contains(name), unit.status().message);
      assertEquals(before, SimUnit.idAndStart(unit.name), "the registry keeps serving as it was");
      assertEquals(200, Http.status("http://" + netloc + "/v2/"));

      unit.config(Map.of("tls-cert-blob", b64(named.certPem()), "tls-key-blob", b64(named.keyPem())), List.of());
      unit.assertActive();
      assertEquals("Ready at " + name + ":" + unit.port + " (https).", unit.status().message);
      assertEquals("HTTP/1.1 200 OK", statusLineAs(name, pki.caPem()), "a client verifying the name it was given gets in");
    } finally {
      unit.config(Map.of(), List.of("http-host", "tls-verify-clients", "tls-cert-blob", "tls-key-blob", "tls-ca-blob"));
    }
  }

  @Test
  @Order(10)
  void aCertificateStartingLaterWaitsAndUpdateStatusServesItOnceValid() throws Exception {
    Instant start = Instant.now().plusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    CertAndKey early = pki.server("early", List.of("IP:" + host), start, start.plus(Duration.ofDays(30)));
    secrets.add(keyBody(early.keyPem()));
    String before = SimUnit.idAndStart(unit.name);
    unit.config(Map.of("tls-cert-blob", b64(early.certPem()), "tls-key-blob", b64(early.keyPem()), "tls-verify-clients", false), List.of());
    assertEquals("waiting", unit.status().status, unit.status().message);
    assertEquals("TLS from tls-*-blob: the certificate is not valid before " + start + "; waiting until then", unit.status().message);
    assertEquals(before, SimUnit.idAndStart(unit.name), "the registry keeps serving as it was");
    assertEquals(200, Http.status("http://" + netloc + "/v2/"));

    Poll.until(Duration.ofSeconds(60), () -> !Instant.now().isBefore(start.plusSeconds(1)), () -> "the certificate's start");
    unit.hook("update-status");
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    assertEquals(200, send(TlsClients.trusting(pki.caPem()), "https://" + netloc + "/v2/").statusCode());
    unit.config(Map.of(), TLS_OPTIONS);
  }

  /**
   * Kubernetes nodes: containerd presents the node's certificate, signed by the cluster CA, not
   * by the CA of the registry's certificate. tls-client-ca-blob adds the cluster CA to the
   * registry's client CAs; the charm's own clients keep their local CA.
   */
  @Test
  @Order(20)
  void aClusterCaInTheClientCaBlobLetsItsNodesIn() throws Exception {
    CertAndKey server = pki.server("client-ca", List.of("IP:" + host));
    secrets.add(keyBody(server.keyPem()));
    String url = "https://" + netloc + "/v2/";
    Path clientCas = unit.root.resolve("etc/docker/registry/tls/client-cas.pem");
    try (TestPki cluster = TestPki.create(unit.work.resolve("pki-cluster"), "hk8s-cluster-ca")) {
      CertAndKey node = cluster.client("hk8s-node");
      secrets.add(keyBody(node.keyPem()));
      unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of());
      assertEquals("Ready at " + netloc + " (https).", unit.status().message);
      String before = Files.readString(clientCas);
      assertRefused(pki.caPem(), node, url, "a node's certificate from the cluster CA is refused");

      String container = SimUnit.idAndStart(unit.name);
      unit.config(Map.of("tls-client-ca-blob", "bm90IGEgY2VydGlmaWNhdGU="), List.of());
      assertEquals("blocked", unit.status().status);
      assertTrue(unit.status().message.startsWith("Invalid charm config: tls-client-ca-blob ("), unit.status().message);
      assertEquals(container, SimUnit.idAndStart(unit.name), "the previous configuration keeps serving");

      unit.config(Map.of("tls-client-ca-blob", b64(cluster.caPem())), List.of());
      unit.assertActive();
      assertEquals("Ready at " + netloc + " (https).", unit.status().message, "the charm's own probe still gets in");
      assertEquals(200, send(TlsClients.withClientCert(pki.caPem(), node), url).statusCode(), "the node gets in");
      CertAndKey local = new CertAndKey(certsD().resolve("client.cert"), certsD().resolve("client.key"));
      assertEquals(200, send(TlsClients.withClientCert(pki.caPem(), local), url).statusCode(), "and so does the unit's local client");
      assertTrue(Files.readString(clientCas).startsWith(before.strip()), "the known CA and the local CA stay");
      assertRefused(pki.caPem(), null, url, "a client without a certificate still is refused");

      unit.config(Map.of(), List.of("tls-client-ca-blob"));
      unit.assertActive();
      assertEquals(before, Files.readString(clientCas), "the option's CAs leave the file");
      assertRefused(pki.caPem(), node, url, "and the node is refused again");
    }
    unit.config(Map.of(), TLS_OPTIONS);
  }

  @Test
  @Order(11)
  void certificateNamesRequestExactlyThoseNamesAndAChangeRequestsAgain() throws Exception {
    String name = "hcert-registry.example";
    String alt = "hcert-alt.example";
    int relation = unit.sim.integrate("cert-provider", "lego", List.of("lego/0"), Map.of(), Map.of());
    try {
      unit.config(Map.of("tls-certificate-names", name + "," + host, "tls-verify-clients", false), List.of());
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertTrue(unit.status().message.startsWith("Invalid charm config: tls-certificate-names"), unit.status().message);
      unit.config(Map.of("tls-certificate-names", name + ", " + alt), List.of());
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertTrue(unit.status().message.contains("http-host") && unit.status().message.contains("tls-certificate-names"), unit.status().message);
      unit.config(Map.of("http-host", "https://" + name + ":" + unit.port + "/"), List.of());
      assertEquals("Waiting for a certificate from cert-provider", unit.status().message);

      // The legacy request follows the names, and so does the CSR: CN the first name, SANs exactly the names.
      Map<String, String> request = unit.sim.localUnitData(relation, SimUnit.UNIT);
      assertEquals(name, request.get("common_name"));
      assertEquals("[\"" + alt + "\", \"" + name + "\"]", request.get("sans"));
      String csr = JSON.readTree(request.get("certificate_signing_requests")).get(0).get("certificate_signing_request").asText();
      assertEquals(name, charm.tls.Csr.commonName(csr));
      assertEquals(List.of(name, alt), charm.tls.Csr.subjectAltNames(csr));
      secrets.add(keyBody(Files.readString(unit.root.resolve("etc/docker/registry/cert-provider/request.key"))));

      // lego: the leaf, the issuer as "ca", the chain leaf first then the issuer.
      String cert = pki.sign(csr, 30);
      unit.sim.setRemoteAppData(relation, Map.of("certificates", JSON.writeValueAsString(List.of(Map.of(
          "ca", pki.caPem(), "certificate_signing_request", csr, "certificate", cert, "chain", List.of(cert, pki.caPem()))))))
          .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
      unit.assertActive();
      assertEquals("Ready at " + name + ":" + unit.port + " (https).", unit.status().message);
      assertEquals("HTTP/1.1 200 OK", statusLineAs(name, pki.caPem()), "a client verifying the name gets in");
      assertEquals(List.of(), unit.hook("config-changed").writes(), "a second identical hook writes nothing");

      unit.config(Map.of("tls-certificate-names", name), List.of());
      Map<String, String> again = unit.sim.localUnitData(relation, SimUnit.UNIT);
      assertEquals("[\"" + name + "\"]", again.get("sans"));
      String csr2 = JSON.readTree(again.get("certificate_signing_requests")).get(0).get("certificate_signing_request").asText();
      assertNotEquals(csr, csr2, "a change requests again");
      assertEquals(List.of(name), charm.tls.Csr.subjectAltNames(csr2));
      assertEquals("Waiting for a certificate from cert-provider", unit.status().message);
    } finally {
      unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      unit.config(Map.of(), List.of("tls-certificate-names", "http-host", "tls-verify-clients"));
    }
  }

  @Test
  @Order(12)
  void aRefusalInRequestErrorsBlocksWithTheProvidersReasonAndALaterCertificateClearsIt() throws Exception {
    int relation = unit.sim.integrate("cert-provider", "lego", List.of("lego/0"), Map.of(), Map.of());
    try {
      assertEquals("Waiting for a certificate from cert-provider", unit.status().message);
      String csr = JSON.readTree(unit.sim.localUnitData(relation, SimUnit.UNIT).get("certificate_signing_requests"))
          .get(0).get("certificate_signing_request").asText();
      secrets.add(keyBody(Files.readString(unit.root.resolve("etc/docker/registry/cert-provider/request.key"))));
      // As lego writes it through the charmlibs library (set_relation_error): the error model's
      // fields in order, None ones left out.
      String detail = "Error creating new order :: Cannot issue for \"" + host + "\": The ACME server can not issue a certificate for an IP address";
      Map<String, Object> error = new java.util.LinkedHashMap<>();
      error.put("code", 101);
      error.put("name", "IP_NOT_ALLOWED");
      error.put("message", detail);
      error.put("reason", "urn:ietf:params:acme:error:rejectedIdentifier");
      error.put("endpoint", "https://acme-v02.api.letsencrypt.org/directory");
      unit.sim.setRemoteAppData(relation, Map.of("request_errors", JSON.writeValueAsString(List.of(Map.of("csr", csr.strip(), "error", error)))))
          .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertEquals("cert-provider refused the certificate request: " + detail, unit.status().message);
      assertEquals(List.of(), unit.hook("config-changed").writes(), "no new request, no relation write");
      assertEquals(csr, JSON.readTree(unit.sim.localUnitData(relation, SimUnit.UNIT).get("certificate_signing_requests"))
          .get(0).get("certificate_signing_request").asText());

      // set_relation_certificate removes the CSR's error; the library's dump leaves out an empty list.
      String cert = pki.sign(csr, 30);
      unit.sim.setRemoteAppData(relation, Map.of("request_errors", "", "certificates", JSON.writeValueAsString(List.of(Map.of(
          "ca", pki.caPem(), "certificate_signing_request", csr, "certificate", cert, "chain", List.of(cert, pki.caPem()))))))
          .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
      unit.assertActive();
      assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    } finally {
      unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    }
  }

  @Test
  @Order(13)
  void reactiveVaultWithAnIntermediateCaServesTheChainToClientsTrustingTheRoot() throws Exception {
    try (TestPki root = TestPki.create(unit.work.resolve("pki-root"), "hcert-root");
        TestPki vaultCa = root.intermediate(unit.work.resolve("pki-vault"), "Vault Intermediate Certificate Authority (charm-pki-local)")) {
      int relation = unit.sim.integrate("cert-provider", "vault", List.of("vault/0"), Map.of(), Map.of());
      try {
        Map<String, String> request = unit.sim.localUnitData(relation, SimUnit.UNIT);
        List<String> sans = new ArrayList<>();
        JSON.readTree(request.get("sans")).forEach(n -> sans.add(n.asText()));
        CertAndKey leaf = vaultCa.server(request.get("common_name"), sans.stream().map(s -> s.matches("[0-9.]+") ? "IP:" + s : "DNS:" + s).toList());
        CertAndKey global = vaultCa.client("global-client");
        secrets.add(keyBody(leaf.keyPem()));
        secrets.add(keyBody(global.keyPem()));
        // publish_ca_info: "ca" is the leader's root-ca (the root the intermediate was signed by),
        // "chain" vault's ca_chain; create_certs: the leaf and its key; raw PEM values.
        Map<String, String> bag = new java.util.TreeMap<>();
        bag.put("ca", root.caPem());
        bag.put("chain", vaultCa.caPem());
        bag.put("client.cert", global.certPem());
        bag.put("client.key", global.keyPem());
        bag.put("docker-registry_0.server.cert", leaf.certPem());
        bag.put("docker-registry_0.server.key", leaf.keyPem());
        unit.sim.setRemoteUnitData(relation, "vault/0", bag).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
        unit.assertActive();
        assertEquals("Ready at " + netloc + " (https).", unit.status().message);
        String served = Files.readString(unit.root.resolve("etc/docker/registry/tls/registry.crt"));
        assertEquals(2, served.split("-----BEGIN CERTIFICATE-----", -1).length - 1, "the leaf and its intermediate, not the root");
        assertTrue(served.replaceAll("\\s", "").contains(vaultCa.caPem().replaceAll("-----[A-Z ]+-----|\\s", "")), "the intermediate is served");

        // A client that trusts only the root verifies, presenting the unit's local client certificate.
        CertAndKey local = new CertAndKey(certsD().resolve("client.cert"), certsD().resolve("client.key"));
        assertEquals(200, send(TlsClients.withClientCert(root.caPem(), local), "https://" + netloc + "/v2/").statusCode());
        assertEquals(List.of(), unit.hook("config-changed").writes(), "a second identical hook writes nothing");
      } finally {
        unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      }
    }
  }

  @Test
  @Order(14)
  void aModernAnswerWithAnIntermediateServesLeafAndIntermediate() throws Exception {
    try (TestPki root = TestPki.create(unit.work.resolve("pki-root2"), "hcert-root2");
        TestPki issuing = root.intermediate(unit.work.resolve("pki-issuing"), "hcert-issuing")) {
      int relation = unit.sim.integrate("cert-provider", "vault-k8s", List.of("vault-k8s/0"), Map.of(), Map.of());
      try {
        String csr = JSON.readTree(unit.sim.localUnitData(relation, SimUnit.UNIT).get("certificate_signing_requests"))
            .get(0).get("certificate_signing_request").asText();
        String cert = issuing.sign(csr, 30);
        unit.sim.setRemoteAppData(relation, Map.of("certificates", JSON.writeValueAsString(List.of(Map.of(
            "ca", root.caPem(), "certificate_signing_request", csr, "certificate", cert, "chain", List.of(cert, issuing.caPem(), root.caPem()))))))
            .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
        unit.assertActive();
        String served = Files.readString(unit.root.resolve("etc/docker/registry/tls/registry.crt"));
        assertEquals(2, served.split("-----BEGIN CERTIFICATE-----", -1).length - 1, "the leaf and its intermediate, not the root");
        CertAndKey local = new CertAndKey(certsD().resolve("client.cert"), certsD().resolve("client.key"));
        assertEquals(200, send(TlsClients.withClientCert(root.caPem(), local), "https://" + netloc + "/v2/").statusCode());
      } finally {
        unit.sim.removeRelation(relation).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      }
    }
  }

  @Test
  @Order(100)
  void noKeyInLogsStatusOrContainer() {
    List<String> seen = unit.observableText();
    seen.addAll(actionOutput);
    assertFalse(secrets.isEmpty());
    for (String text : seen) {
      assertFalse(text.contains("PRIVATE KEY"), text);
      for (String secret : secrets) {
        assertFalse(text.contains(secret), "key material in: " + text);
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private void assertBlocked(Map<String, Object> options, String messageStart, String container, String scheme) {
    unit.config(options, List.of());
    assertEquals("blocked", unit.status().status, unit.status().message);
    assertTrue(unit.status().message.startsWith(messageStart), unit.status().message);
    assertEquals(container, SimUnit.idAndStart(unit.name), "the previous configuration keeps serving");
    if (scheme.equals("http")) {
      assertEquals(200, Http.status("http://" + netloc + "/v2/"));
    } else {
      assertEquals(200, send(TlsClients.trusting(pki.caPem()), "https://" + netloc + "/v2/").statusCode());
    }
    unit.config(Map.of(), List.of("tls-cert-blob", "tls-key-blob"));
  }

  private Path certsD() {
    return unit.root.resolve("etc/docker/certs.d/" + netloc);
  }

  private String daemonJson() {
    try {
      Path file = unit.root.resolve("etc/docker/daemon.json");
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A long, distinctive piece of a private key's base64, for the secret scan. */
  private static String keyBody(String keyPem) {
    String body = keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return body.substring(body.length() / 2, body.length() / 2 + 40);
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(HttpClient client, String url) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The status line of {@code GET /v2/} over TLS to the unit's address, verifying the served
   * certificate for {@code name} (what a client told to use that name checks) against {@code caPem}.
   */
  private String statusLineAs(String name, String caPem) throws IOException {
    javax.net.ssl.SSLContext ctx = TlsClients.context(caPem, null);
    try (java.net.Socket plain = new java.net.Socket()) {
      plain.connect(new java.net.InetSocketAddress(host, unit.port), 5000);
      plain.setSoTimeout(5000);
      try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(plain, name, unit.port, true)) {
        javax.net.ssl.SSLParameters params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setServerNames(List.of(new javax.net.ssl.SNIHostName(name)));
        tls.setSSLParameters(params);
        tls.getOutputStream().write(("GET /v2/ HTTP/1.1\r\nHost: " + name + ":" + unit.port + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        return new java.io.BufferedReader(new java.io.InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      }
    }
  }

  /**
   * The registry refuses the client in TLS, asked with curl (the JDK's HttpClient can wait for its
   * whole timeout on a TLS 1.3 alert that comes after the handshake): curl trusts the CA and
   * presents {@code clientCert} if any; it must fail in TLS (exit 35: handshake, 55 or 56: the
   * connection the server closed with its alert after the handshake), not answer, not fail on the server's certificate (60), not find the
   * port closed (7) or time out (28).
   */
  private static void assertRefused(String caPem, CertAndKey clientCert, String url, String what) throws IOException {
    Path ca = Files.createTempFile("it-tls-ca", ".pem");
    try {
      Files.writeString(ca, caPem);
      List<String> argv = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "--max-time", "15", "--cacert", ca.toString()));
      if (clientCert != null) {
        argv.addAll(List.of("--cert", clientCert.cert().toString(), "--key", clientCert.key().toString()));
      }
      argv.add(url);
      Cmd curl = Cmd.run(argv.toArray(String[]::new));
      assertTrue(curl.exitCode() == 35 || curl.exitCode() == 55 || curl.exitCode() == 56, what + ": curl exit " + curl.exitCode() + ": " + curl.output());
    } finally {
      Files.deleteIfExists(ca);
    }
  }

  /** The client's trust refuses the registry's certificate: a certificate path that does not build or validate. */
  private static boolean untrusted(HttpClient client, String url) {
    IOException e = failure(client, url);
    return e != null && rejectsServerCertificate(e);
  }

  private static boolean rejectsServerCertificate(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertPathBuilderException || t instanceof java.security.cert.CertPathValidatorException
          || t.getClass().getName().equals("sun.security.validator.ValidatorException")) {
        return true;
      }
    }
    return false;
  }

  private static String chain(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      s.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" <- ");
    }
    return s.toString();
  }

  /** The request's IOException, or null when the registry answered. */
  private static IOException failure(HttpClient client, String url) {
    try {
      client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
      return null;
    } catch (IOException e) {
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
