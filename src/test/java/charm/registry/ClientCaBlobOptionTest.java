package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.tls.LocalCa;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** tls-client-ca-blob: base64 PEM of one or more CA certificates (Kubernetes nodes' cluster CA). */
class ClientCaBlobOptionTest {
  private static final LocalCa.Issued CLUSTER_CA = LocalCa.newCa("test-cluster-ca", Duration.ofDays(30));
  private static final LocalCa.Issued OTHER_CA = LocalCa.newCa("test-other-ca", Duration.ofDays(30));
  private static final LocalCa.Issued NODE = LocalCa.issueClient(CLUSTER_CA, "node", Duration.ofDays(30));

  @Test
  void theClientCaBlobTakesOneOrMoreCaCertificates() {
    RegistryConfig one = RegistryConfig.from(new HashMap<>(Map.of("tls-client-ca-blob", b64(CLUSTER_CA.certPem()))));
    assertEquals(List.of(), one.problems());
    assertEquals(List.of(CLUSTER_CA.certPem().strip()), one.clientCaCertificates().stream().map(String::strip).toList());

    RegistryConfig two = RegistryConfig.from(new HashMap<>(Map.of("tls-client-ca-blob", b64(CLUSTER_CA.certPem() + OTHER_CA.certPem()))));
    assertEquals(List.of(), two.problems());
    assertEquals(2, two.clientCaCertificates().size());

    assertEquals(List.of(), RegistryConfig.from(new HashMap<>()).clientCaCertificates(), "unset: none");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not base64!", "aGVsbG8=", "node", "key"})
  void anInvalidClientCaBlobBlocksNamingTheOption(String kind) {
    String value = switch (kind) {
      case "node" -> b64(NODE.certPem()); // a leaf, not a CA
      case "key" -> b64(CLUSTER_CA.keyPem());
      default -> kind;
    };
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(Map.of("tls-client-ca-blob", value)));

    assertEquals(List.of("tls-client-ca-blob"), cfg.problems().stream().map(RegistryConfig.Problem::option).toList());
    assertTrue(cfg.statusMessage().startsWith("Invalid charm config: tls-client-ca-blob ("), cfg.statusMessage());
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
