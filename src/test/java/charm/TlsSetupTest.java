package charm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.juju.Status;
import charm.registry.RegistryConfig;
import charm.tls.TestCerts;
import charm.workload.HostFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tls-*-blob files (written and removed only when they are the charm's, removed with their
 * option) and the checks of the served certificate against what clients are told (http-host, the
 * proxy) and the time. Real files under a temporary root, real certificates.
 */
class TlsSetupTest {
  static final String CERT = "/etc/docker/registry/registry.crt";
  static final String KEY = "/etc/docker/registry/registry.key";
  static final String CA = "/etc/docker/registry/ca.crt";
  static final String DAEMON_JSON = "/etc/docker/daemon.json";
  static final TlsSetup.Names UNIT = new TlsSetup.Names("10.0.0.5", "", "");
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  static TestCerts.Made ca;
  static TestCerts.Made server;
  static TestCerts.Made otherCa;
  static TestCerts.Made otherServer;

  @TempDir Path root;
  HostFiles files;
  RecordingHookTools tools;
  TlsSetup tls;

  @BeforeAll
  static void pki() {
    Instant from = NOW.minus(Duration.ofDays(1));
    Instant to = NOW.plus(Duration.ofDays(90));
    ca = TestCerts.issue(null, "test-ca", List.of(), from, to, true);
    server = TestCerts.issue(ca, "10.0.0.5", List.of("IP:10.0.0.5"), from, to, false);
    otherCa = TestCerts.issue(null, "other-ca", List.of(), from, to, true);
    otherServer = TestCerts.issue(otherCa, "10.0.0.5", List.of("IP:10.0.0.5"), from, to, false);
  }

  @BeforeEach
  void unit() {
    files = new HostFiles(root);
    tools = new RecordingHookTools();
    tls = new TlsSetup(tools, files, "docker-registry/0", "");
  }

  // ---- 4: only the charm's own files ---------------------------------------------------------

  @Test
  void aTlsPathNamingAFileTheCharmDidNotWriteBlocksNamingTheOptionAndTheFileStays() throws IOException {
    byte[] daemonJson = "{\"insecure-registries\": []}\n".getBytes(StandardCharsets.UTF_8);
    write(DAEMON_JSON, daemonJson);

    TlsSetup.Outcome out = prepare(blobs(server, ca, "tls-ca-path", DAEMON_JSON), UNIT, NOW);

    assertEquals(Status.Kind.BLOCKED, out.problem().map(Status::kind).orElse(null), "blocked, not " + out);
    String message = out.problem().get().message();
    assertTrue(message.contains("tls-ca-path") && message.contains(DAEMON_JSON), message);
    assertArrayEquals(daemonJson, Files.readAllBytes(path(DAEMON_JSON)), "daemon.json untouched");
    assertFalse(files.exists(CERT), "nothing half-written: not the certificate either");
    assertFalse(files.exists(KEY));
    assertNull(tools.state.get(TlsSetup.BLOB_FILES));

    prepare(RegistryConfig.from(new HashMap<>(Map.of("tls-ca-path", DAEMON_JSON))), UNIT, NOW);
    assertArrayEquals(daemonJson, Files.readAllBytes(path(DAEMON_JSON)), "unsetting the blobs does not remove it");
  }

  @Test
  void anOperatorsOwnCertificateFileIsNeverOverwrittenByABlob() throws IOException {
    write(CERT, otherServer.certPem().getBytes(StandardCharsets.UTF_8));

    TlsSetup.Outcome out = prepare(blobs(server, ca), UNIT, NOW);

    assertEquals(Status.Kind.BLOCKED, out.problem().map(Status::kind).orElse(null), "blocked, not " + out);
    assertTrue(out.problem().get().message().contains("tls-cert-path"), out.problem().get().message());
    assertEquals(otherServer.certPem(), text(CERT));
    assertFalse(files.exists(CA), "nothing half-written");
  }

  @Test
  void aFileHoldingExactlyTheBlobIsTakenOverAsThePreviousCharmLeftIt() throws IOException {
    write(CERT, server.certPem().getBytes(StandardCharsets.UTF_8));
    write(KEY, server.keyPem().getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(path(KEY), PosixFilePermissions.fromString("rw-r--r--"));

    TlsSetup.Outcome out = prepare(blobs(server, ca), UNIT, NOW);

    assertTrue(out.problem().isEmpty(), out.toString());
    assertEquals("rw-------", mode(KEY), "the key is made private");
    prepare(RegistryConfig.from(new HashMap<>()), UNIT, NOW);
    assertFalse(files.exists(CERT), "the blob's files go with it");
    assertFalse(files.exists(KEY));
    assertFalse(files.exists(CA));
  }

  @Test
  void aFileTheCharmWroteAndSomebodyChangedSinceStaysWhenItsBlobGoes() throws IOException {
    assertTrue(prepare(blobs(server, ca), UNIT, NOW).problem().isEmpty());
    write(CA, otherCa.certPem().getBytes(StandardCharsets.UTF_8));

    prepare(RegistryConfig.from(new HashMap<>()), UNIT, NOW);

    assertEquals(otherCa.certPem(), text(CA));
    assertFalse(files.exists(CERT));
    assertNull(tools.state.get(TlsSetup.BLOB_FILES), "the record goes: nothing is the charm's any more");
  }

  @Test
  void aSecondIdenticalHookChangesNothing() throws IOException {
    assertTrue(prepare(blobs(server, ca), UNIT, NOW).problem().isEmpty());
    FileTime written = Files.getLastModifiedTime(path(CERT));
    Files.setLastModifiedTime(path(CERT), FileTime.from(written.toInstant().minusSeconds(60)));
    FileTime before = Files.getLastModifiedTime(path(CERT));
    int logs = tools.logs.size();
    tools.calls.clear();

    assertTrue(prepare(blobs(server, ca), UNIT, NOW).problem().isEmpty());

    assertEquals(before, Files.getLastModifiedTime(path(CERT)));
    assertFalse(tools.calls.contains("state-set"), tools.calls.toString());
    assertFalse(tools.calls.contains("state-delete"), tools.calls.toString());
    assertEquals(logs, tools.logs.size(), tools.logs.toString());
  }

  // ---- 5: a blob unset alone takes its file and what was derived from it ----------------------

  @Test
  void unsettingTheCaBlobAloneRemovesItsFileAndTheClientCheck() throws IOException {
    TlsSetup.Outcome with = prepare(blobs(server, ca), UNIT, NOW);
    assertTrue(with.served().orElseThrow().clientCasPem() != null, "clients need a certificate from the CA");
    assertTrue(files.exists(CA));

    TlsSetup.Outcome without = prepare(blobs(server, null), UNIT, NOW);

    assertTrue(without.problem().isEmpty(), without.toString());
    assertFalse(files.exists(CA), "the file written from tls-ca-blob goes with it");
    assertNull(without.served().orElseThrow().clientCasPem(), "and so does the client check built on it");
    assertEquals(server.certPem(), without.trustPem(), "the engine trusts the certificate itself");
    assertTrue(files.exists(CERT) && files.exists(KEY));
  }

  @Test
  void afterTheCaBlobWentAloneNewBlobsFromAnotherCaAreServed() {
    prepare(blobs(server, ca), UNIT, NOW);
    prepare(blobs(server, null), UNIT, NOW);

    TlsSetup.Outcome out = prepare(blobs(otherServer, null), UNIT, NOW);

    assertTrue(out.problem().isEmpty(), out.problem().map(Status::message).orElse(""));
  }

  @Test
  void aTlsPathChangedWhileTheBlobsStayMovesTheFile() {
    prepare(blobs(server, ca), UNIT, NOW);

    TlsSetup.Outcome out = prepare(blobs(server, ca, "tls-ca-path", "/etc/docker/registry/other-ca.crt"), UNIT, NOW);

    assertTrue(out.problem().isEmpty(), out.toString());
    assertFalse(files.exists(CA), "the old path's file was the charm's: it goes");
    assertTrue(files.exists("/etc/docker/registry/other-ca.crt"));
    assertTrue(tools.state.get(TlsSetup.BLOB_FILES).contains("/etc/docker/registry/other-ca.crt"));
    assertFalse(tools.state.get(TlsSetup.BLOB_FILES).contains(CA + " "));
  }

  @Test
  void noPrivateKeyInAnyLog() {
    write(DAEMON_JSON, "{}".getBytes(StandardCharsets.UTF_8));
    prepare(blobs(server, ca, "tls-ca-path", DAEMON_JSON), UNIT, NOW);
    prepare(blobs(server, ca), UNIT, NOW);
    prepare(blobs(server, null), UNIT, NOW);
    prepare(RegistryConfig.from(new HashMap<>()), UNIT, NOW);
    String body = server.keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "").substring(20, 60);
    for (String line : tools.logs) {
      assertFalse(line.contains("PRIVATE KEY") || line.contains(body), line);
    }
  }

  // ---- 10: the names clients are told, the time without leeway --------------------------------

  @Test
  void withHttpHostTheCertificateMustNameThatHost() {
    TlsSetup.Names viaHost = new TlsSetup.Names("10.0.0.5", "registry.example.com", "");

    TlsSetup.Outcome ipOnly = prepare(blobs(server, ca), viaHost, NOW);

    assertEquals(Status.Kind.BLOCKED, ipOnly.problem().map(Status::kind).orElse(null), "blocked, not " + ipOnly);
    String message = ipOnly.problem().get().message();
    assertTrue(message.startsWith("TLS from tls-*-blob: "), message);
    assertTrue(message.contains("registry.example.com") && message.contains("http-host"), message);
    assertFalse(files.exists(CERT), "refused material is not written");

    TestCerts.Made named = TestCerts.issue(ca, "registry", List.of("DNS:registry.example.com"), NOW.minusSeconds(60), NOW.plus(Duration.ofDays(30)), false);
    assertTrue(prepare(blobs(named, ca), viaHost, NOW).problem().isEmpty(), "the host alone is enough");
  }

  @Test
  void anHttpHostThatIsAnAddressNeedsThatAddress() {
    TestCerts.Made named = TestCerts.issue(ca, "registry", List.of("DNS:registry.example.com", "IP:10.0.0.5"), NOW.minusSeconds(60),
        NOW.plus(Duration.ofDays(30)), false);
    TestCerts.Made v6 = TestCerts.issue(ca, "registry", List.of("IP:fd00::7"), NOW.minusSeconds(60), NOW.plus(Duration.ofDays(30)), false);

    TlsSetup.Outcome out = prepare(blobs(named, ca), new TlsSetup.Names("10.0.0.5", "10.9.9.9", ""), NOW);

    assertEquals(Status.Kind.BLOCKED, out.problem().map(Status::kind).orElse(null), "blocked, not " + out);
    assertTrue(out.problem().get().message().contains("10.9.9.9"), out.problem().get().message());
    assertTrue(prepare(blobs(v6, ca), new TlsSetup.Names("10.0.0.5", "FD00:0::7", ""), NOW).problem().isEmpty());
  }

  @Test
  void behindTheProxyTheCertificateMustNameTheProxy() {
    TlsSetup.Names proxied = new TlsSetup.Names("10.0.0.5", "", "10.77.0.9");

    TlsSetup.Outcome out = prepare(blobs(server, ca), proxied, NOW);

    assertEquals(Status.Kind.BLOCKED, out.problem().map(Status::kind).orElse(null), "blocked, not " + out);
    assertTrue(out.problem().get().message().contains("10.77.0.9"), out.problem().get().message());
    TestCerts.Made both = TestCerts.issue(ca, "registry", List.of("IP:10.0.0.5", "IP:10.77.0.9"), NOW.minusSeconds(60),
        NOW.plus(Duration.ofDays(30)), false);
    assertTrue(prepare(blobs(both, ca), proxied, NOW).problem().isEmpty());
  }

  @Test
  void aCertificateStartingLaterWaitsSayingWhenAndWritesNothingUntilThen() {
    Instant start = NOW.plus(Duration.ofMinutes(3));
    TestCerts.Made early = TestCerts.issue(ca, "10.0.0.5", List.of("IP:10.0.0.5"), start, start.plus(Duration.ofDays(30)), false);

    TlsSetup.Outcome out = prepare(blobs(early, ca), UNIT, NOW);

    assertEquals(Status.Kind.WAITING, out.problem().map(Status::kind).orElse(null), "waiting, not " + out);
    assertEquals("TLS from tls-*-blob: the certificate is not valid before " + start + "; waiting until then", out.problem().get().message());
    assertFalse(files.exists(CERT), "not written before it is used");

    assertTrue(prepare(blobs(early, ca), UNIT, start.plusSeconds(1)).problem().isEmpty(), "a later hook takes it");
    assertEquals(early.certPem(), text(CERT));
  }

  @Test
  void anExpiredCertificateStillBlocks() {
    TestCerts.Made old = TestCerts.issue(ca, "10.0.0.5", List.of("IP:10.0.0.5"), NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(1)), false);

    TlsSetup.Outcome out = prepare(blobs(old, ca), UNIT, NOW);

    assertEquals(Status.Kind.BLOCKED, out.problem().map(Status::kind).orElse(null));
    assertTrue(out.problem().get().message().startsWith("TLS from tls-*-blob: the certificate expired on "), out.problem().get().message());
  }

  // ---- helpers -------------------------------------------------------------------------------

  private TlsSetup.Outcome prepare(RegistryConfig cfg, TlsSetup.Names names, Instant now) {
    return tls.prepare(cfg, names, new HashMap<>(tools.state), now);
  }

  /** tls-*-blob options for the material (no CA blob when {@code caCert} is null), and more options. */
  private static RegistryConfig blobs(TestCerts.Made leaf, TestCerts.Made caCert, String... more) {
    Map<String, Object> options = new HashMap<>();
    options.put("tls-cert-blob", b64(leaf.certPem()));
    options.put("tls-key-blob", b64(leaf.keyPem()));
    if (caCert != null) {
      options.put("tls-ca-blob", b64(caCert.certPem()));
    }
    for (int i = 0; i < more.length; i += 2) {
      options.put(more[i], more[i + 1]);
    }
    RegistryConfig cfg = RegistryConfig.from(options);
    assertEquals(List.of(), cfg.problems());
    return cfg;
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private Path path(String unitPath) {
    return files.resolve(unitPath);
  }

  private void write(String unitPath, byte[] content) {
    try {
      Files.createDirectories(path(unitPath).getParent());
      Files.write(path(unitPath), content);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private String text(String unitPath) {
    return new String(files.read(unitPath).orElseThrow(), StandardCharsets.UTF_8);
  }

  private String mode(String unitPath) {
    return files.mode(unitPath).orElse("");
  }
}
