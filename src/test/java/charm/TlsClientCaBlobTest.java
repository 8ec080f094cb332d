package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.RegistryConfig;
import charm.tls.TestCerts;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * tls-client-ca-blob: the CAs of clients' certificates (Kubernetes nodes' cluster CA) join the
 * registry's client CAs, next to the known CA and the unit's local client CA, and leave with it.
 */
class TlsClientCaBlobTest {
  static final TlsSetup.Names UNIT = new TlsSetup.Names("10.0.0.5", "", "");
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  static TestCerts.Made ca;
  static TestCerts.Made server;
  static TestCerts.Made selfSigned;
  static TestCerts.Made cluster;

  @TempDir Path root;
  TlsSetup tls;
  RecordingHookTools tools;

  @BeforeAll
  static void pki() {
    Instant from = NOW.minus(Duration.ofDays(1));
    Instant to = NOW.plus(Duration.ofDays(90));
    ca = TestCerts.issue(null, "test-ca", List.of(), from, to, true);
    server = TestCerts.issue(ca, "10.0.0.5", List.of("IP:10.0.0.5"), from, to, false);
    selfSigned = TestCerts.selfSigned("10.0.0.5", List.of("IP:10.0.0.5"), from, to);
    cluster = TestCerts.issue(null, "cluster-ca", List.of(), from, to, true);
  }

  @BeforeEach
  void unit() {
    tools = new RecordingHookTools();
    tls = new TlsSetup(tools, new HostFiles(root), "docker-registry/0", "");
  }

  @Test
  void theBlobsCasJoinTheKnownCaAndTheLocalOneAndLeaveWithTheOption() {
    String before = clientCas(options(server, ca, null));
    assertTrue(before.contains(ca.certPem().strip()));
    assertFalse(before.contains(cluster.certPem().strip()));

    String with = clientCas(options(server, ca, cluster));
    assertTrue(with.startsWith(before.strip()), "the known CA and the unit's local CA stay, first");
    assertTrue(with.contains(cluster.certPem().strip()), "the cluster CA is added");

    assertEquals(before, clientCas(options(server, ca, null)), "unset: back to exactly what it was");
  }

  @Test
  void withoutAKnownCaTheBlobTurnsClientVerificationOnWithTheLocalCa() {
    TlsSetup.Outcome plain = tls.prepare(options(selfSigned, null, null), UNIT, new HashMap<>(tools.state), NOW);
    assertNull(plain.served().orElseThrow().clientCasPem(), "a self-signed certificate alone: no client check");
    assertNull(plain.client());

    TlsSetup.Outcome out = tls.prepare(options(selfSigned, null, cluster), UNIT, new HashMap<>(tools.state), NOW);
    String cas = out.served().orElseThrow().clientCasPem();
    assertNotNull(cas);
    assertTrue(cas.contains(cluster.certPem().strip()));
    assertNotNull(out.client(), "the charm's own clients present the local certificate");
    assertEquals(2, cas.split("-----BEGIN CERTIFICATE-----").length - 1, "the local CA and the cluster CA");
  }

  @Test
  void withoutClientVerificationTheBlobIsNotUsed() {
    Map<String, Object> raw = raw(server, ca, cluster);
    raw.put("tls-verify-clients", false);
    TlsSetup.Outcome out = tls.prepare(RegistryConfig.from(raw), UNIT, new HashMap<>(tools.state), NOW);
    assertNull(out.served().orElseThrow().clientCasPem());
  }

  private String clientCas(RegistryConfig cfg) {
    TlsSetup.Outcome out = tls.prepare(cfg, UNIT, new HashMap<>(tools.state), NOW);
    assertTrue(out.problem().isEmpty(), out.toString());
    return out.served().orElseThrow().clientCasPem();
  }

  private static RegistryConfig options(TestCerts.Made leaf, TestCerts.Made caCert, TestCerts.Made clientCa) {
    RegistryConfig cfg = RegistryConfig.from(raw(leaf, caCert, clientCa));
    assertEquals(List.of(), cfg.problems());
    return cfg;
  }

  private static Map<String, Object> raw(TestCerts.Made leaf, TestCerts.Made caCert, TestCerts.Made clientCa) {
    Map<String, Object> options = new HashMap<>();
    options.put("tls-cert-blob", b64(leaf.certPem()));
    options.put("tls-key-blob", b64(leaf.keyPem()));
    if (caCert != null) {
      options.put("tls-ca-blob", b64(caCert.certPem()));
    }
    if (clientCa != null) {
      options.put("tls-client-ca-blob", b64(clientCa.certPem()));
    }
    return options;
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
