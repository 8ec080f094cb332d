package charm.relations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.juju.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CosAgentDataTest {
  static final Topology TOPOLOGY = new Topology("m", "u-1", "docker-registry", "docker-registry/0", "docker-registry");

  @SuppressWarnings("unchecked")
  static Map<String, Object> parsed(String config) {
    return (Map<String, Object>) Json.parse(config.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theConfigHasTheLibrarysKeysAndShapes() {
    Map<String, Object> config = parsed(CosAgentData.config(TOPOLOGY, 5001));
    assertEquals(List.of("metrics_alert_rules", "log_alert_rules", "dashboards", "metrics_scrape_jobs", "log_slots"), List.copyOf(config.keySet()));
    assertEquals(Map.of("groups", List.of()), config.get("log_alert_rules"));
    assertEquals(1, ((List<?>) config.get("dashboards")).size());
    assertEquals(List.of(), config.get("log_slots"));
    assertEquals(List.of(Map.of(
        "metrics_path", "/metrics",
        "static_configs", List.of(Map.of("targets", List.of("localhost:5001"), "labels", TOPOLOGY.labels())),
        "job_name", "docker-registry_default_3e2b29dc")), config.get("metrics_scrape_jobs"));
  }

  /** The suffix is Python's blake2b(json.dumps(job, sort_keys=True), digest_size=4), as computed by python3. */
  @Test
  void jobNamesHashLikeTheLibrary() {
    assertEquals("{\"a\": \"\\u00e9\\n\"}", CosAgentData.pythonJson(Map.of("a", "é\n")));
    assertEquals("70b673ea", CosAgentData.shortHash(Map.of("a", "é\n", "job_name", "ignored")));
    Map<String, Object> other = CosAgentData.scrapeJob(TOPOLOGY, 5002);
    assertFalse(((String) other.get("job_name")).endsWith("3e2b29dc"), "another port, another name");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyRuleCarriesTheTopologyInItsLabelsAndExpression() {
    Map<String, Object> rules = (Map<String, Object>) parsed(CosAgentData.config(TOPOLOGY, 5001)).get("metrics_alert_rules");
    List<Map<String, Object>> groups = (List<Map<String, Object>>) rules.get("groups");
    assertEquals(1, groups.size());
    assertEquals("m_u-1_docker-registry_docker-registry_0_registry_alerts", groups.get(0).get("name"));
    List<Map<String, Object>> list = (List<Map<String, Object>>) groups.get(0).get("rules");
    assertEquals(List.of("RegistryTargetDown", "RegistryMetricsMissing", "RegistryHighServerErrorRatio", "RegistryStorageSlow",
        "RegistryBlobDescriptorCacheErrors"), list.stream().map(r -> r.get("alert")).toList());
    for (Map<String, Object> rule : list) {
      Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
      TOPOLOGY.labels().forEach((k, v) -> assertEquals(v, labels.get(k), rule.get("alert") + " " + k));
      String expr = (String) rule.get("expr");
      assertFalse(expr.contains("%%"), expr);
      assertTrue(expr.contains("juju_model=\"m\",juju_model_uuid=\"u-1\",juju_application=\"docker-registry\",juju_unit=\"docker-registry/0\","
          + "juju_charm=\"docker-registry\""), expr);
      assertTrue(rule.containsKey("for") && rule.containsKey("annotations"), rule.toString());
    }
  }

  @Test
  void aRuleWithoutThePlaceholderIsRefused() {
    String rules = "{\"groups\":[{\"name\":\"g\",\"rules\":[{\"alert\":\"A\",\"expr\":\"up < 1\"}]}]}";
    assertEquals("rule A has no %%juju_topology%% in its expression",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CosAgentData.alertRules(TOPOLOGY, rules)).getMessage());
  }

  /** Base64 of Python lzma.compress's container (the text starts "/Td6WFoA"), with the library's uid and tag. */
  @Test
  @SuppressWarnings("unchecked")
  void dashboardsAreXzBase64WithTheLibrarysUidAndTag() throws Exception {
    String encoded = (String) ((List<Object>) parsed(CosAgentData.config(TOPOLOGY, 5001)).get("dashboards")).get(0);
    assertTrue(encoded.startsWith("/Td6WFoA"), encoded.substring(0, 20));
    Map<String, Object> dashboard = (Map<String, Object>) Json.parse(decode(encoded));
    // hashlib.shake_256(b"docker-registry-src/main/resources/cos/registry.dashboard.json").hexdigest(20)
    assertEquals("26402d984d2717576cb1ca2c7c03c214783e47de", dashboard.get("uid"));
    assertEquals(List.of("charm: docker-registry"), dashboard.get("tags"));
    List<Map<String, Object>> panels = (List<Map<String, Object>>) dashboard.get("panels");
    assertEquals(List.of("Requests by handler and code", "Request latency (p50, p99) by handler", "Storage actions",
        "Storage action latency (p99)", "Blob descriptor cache", "Blob descriptor cache hit ratio", "Bytes pushed and pulled",
        "In-flight requests"), panels.stream().map(p -> p.get("title")).toList());
    assertEquals(encoded, CosAgentData.dashboard(CosAgentData.DASHBOARD), "deterministic: the data is rewritten only when it changes");
  }

  static byte[] decode(String encoded) throws java.io.IOException {
    try (var in = new org.tukaani.xz.XZInputStream(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(encoded)))) {
      return in.readAllBytes();
    }
  }

  @Test
  void matchersEscapeQuotes() {
    assertEquals("juju_model=\"a\\\"b\",juju_model_uuid=\"u\",juju_application=\"x\",juju_unit=\"x/0\",juju_charm=\"c\"",
        new Topology("a\"b", "u", "x", "x/0", "c").matchers());
  }
}
