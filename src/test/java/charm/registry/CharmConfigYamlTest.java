package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * config.yaml keeps the old charm's contract (shared/reference/original-charm.md): every option
 * with the same name, type and default, so operators' `juju config` values survive the upgrade.
 */
class CharmConfigYamlTest {
  /** Marks "no default key at all" in the table (the original's (null)). */
  private static final Object NONE = new Object();

  // name | type | default, transcribed from original-charm.md's table.
  static List<Object[]> expectedTable() {
    return List.of(
        row("auth-basic-user", "string", "admin"),
        row("auth-basic-password", "string", ""),
        row("auth-token-issuer", "string", ""),
        row("auth-token-realm", "string", ""),
        row("auth-token-service", "string", ""),
        row("auth-token-root-certs", "string", ""),
        row("cache-remoteurl", "string", ""),
        row("cache-username", "string", ""),
        row("cache-password", "string", ""),
        row("debug-port", "int", 5001),
        row("http-host", "string", ""),
        row("log-level", "string", "info"),
        // From the old charm's nagios layer (not in original-charm.md's table).
        row("nagios_context", "string", "juju"),
        row("nagios_servicegroups", "string", ""),
        row("prometheus-metrics", "boolean", false),
        row("registry-image", "string", "registry:2"),
        row("registry-name", "string", "registry"),
        row("registry-port", "int", 5000),
        row("registry-http-proxy", "string", NONE),
        row("registry-https-proxy", "string", NONE),
        row("storage-cache", "string", "inmemory"),
        row("storage-delete", "boolean", false),
        row("storage-read-only", "boolean", false),
        row("storage-redirect-disable", "boolean", true),
        row("storage-swift-authurl", "string", ""),
        row("storage-swift-container", "string", "docker-registry"),
        row("storage-swift-username", "string", ""),
        row("storage-swift-password", "string", ""),
        row("storage-swift-region", "string", ""),
        row("storage-swift-tenant", "string", ""),
        row("storage-swift-domain", "string", ""),
        row("storage-s3-region", "string", NONE),
        row("storage-s3-bucket", "string", NONE),
        row("storage-s3-accesskey", "string", NONE),
        row("storage-s3-secretkey", "string", NONE),
        row("storage-s3-regionendpoint", "string", NONE),
        row("storage-s3-keyid", "string", NONE),
        row("storage-s3-rootdirectory", "string", NONE),
        row("storage-s3-useragent", "string", NONE),
        row("storage-s3-forcepathstyle", "boolean", false),
        row("storage-s3-encrypt", "boolean", false),
        row("storage-s3-secure", "boolean", true),
        row("storage-s3-skip-verify", "boolean", false),
        row("storage-s3-skip-v4-auth", "boolean", true),
        row("storage-s3-chunksize", "int", 10485760),
        row("storage-s3-multipartcopychunksize", "int", 33554432),
        row("storage-s3-multipartcopymaxconcurrency", "int", 100),
        row("storage-s3-multipartcopythresholdsize", "int", 33554432),
        row("storage-s3-storageclass", "string", "STANDARD"),
        row("storage-s3-usedualstack", "boolean", false),
        row("storage-s3-accelerate", "boolean", false),
        row("storage-s3-objectacl", "string", "private"),
        row("storage-s3-loglevel", "string", "off"),
        row("tls-cert-path", "string", "/etc/docker/registry/registry.crt"),
        row("tls-key-path", "string", "/etc/docker/registry/registry.key"),
        row("tls-ca-path", "string", "/etc/docker/registry/ca.crt"),
        row("tls-cert-blob", "string", ""),
        row("tls-key-blob", "string", ""),
        row("tls-ca-blob", "string", ""));
  }

  private static Object[] row(String name, String type, Object def) {
    return new Object[] {name, type, def};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectedTable")
  void optionKeepsNameTypeAndDefault(String name, String type, Object def) {
    Map<String, Object> decl = CharmConfig.options().get(name);
    assertNotNull(decl, "missing option " + name);
    assertEquals(type, decl.get("type"), name + " type");
    if (def == NONE) {
      assertFalse(decl.containsKey("default"), name + " must have no default key");
    } else {
      assertTrue(decl.containsKey("default"), name + " needs a default");
      assertEquals(def, decl.get("default"), name + " default");
    }
    Object description = decl.get("description");
    assertTrue(description instanceof String s && s.strip().length() > 10, name + " description");
  }

  /** Options this charm adds; each description says it is new. */
  static final List<String> ADDED = List.of("tls-verify-clients", "storage-cache-redis-address",
      "storage-cache-redis-password", "storage-cache-redis-db", "maintenance-schedule", "retention-policy",
      "tls-certificate-names", "tls-client-ca-blob");

  @Test
  void noOptionBeyondTheOriginalOnesButTheListedAdditions() {
    List<String> expected = new ArrayList<>(expectedTable().stream().map(r -> (String) r[0]).toList());
    expected.addAll(ADDED);
    for (String added : ADDED) {
      assertTrue(String.valueOf(CharmConfig.options().get(added).get("description")).contains("Not in the charm this one replaces"), added);
    }
    assertEquals(expected.stream().sorted().toList(),
        CharmConfig.options().keySet().stream().sorted().toList());
  }

  @Test
  void codeTableMatchesConfigYamlInOrderTypeAndDefault() {
    List<String> fromYaml = new ArrayList<>();
    CharmConfig.options().forEach((name, decl) -> {
      Object def = decl.get("default");
      fromYaml.add(name + "|" + decl.get("type") + "|" + (def == null ? null : def.toString()));
    });
    List<String> fromCode = Options.ALL.stream().map(o -> o.name() + "|"
        + o.type().name().toLowerCase() + "|"
        + (o.defaultValue() == null ? null : o.defaultValue().toString())).toList();
    assertEquals(fromYaml, fromCode);
  }
}
