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
    Map<String, Object> config = parsed(CosAgentData.config(TOPOLOGY, 5001, "registry"));
    assertEquals(List.of("metrics_alert_rules", "log_alert_rules", "dashboards", "metrics_scrape_jobs", "log_slots"), List.copyOf(config.keySet()));
    assertEquals(List.of("groups"), List.copyOf(((Map<?, ?>) config.get("log_alert_rules")).keySet()));
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
    Map<String, Object> rules = (Map<String, Object>) parsed(CosAgentData.config(TOPOLOGY, 5001, "registry")).get("metrics_alert_rules");
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

  /** A LogQL metric query: sum(count_over_time({selector} |~ `regex` [range])) > 0. */
  static final java.util.regex.Pattern LOG_QUERY = java.util.regex.Pattern.compile(
      "sum\\(count_over_time\\(\\{((?:[a-z_]+=\"(?:[^\"\\\\]|\\\\.)*\"(?:, ?)?)+)\\} \\|~ `([^`]+)` \\[(\\d+[mh])\\]\\)\\) > 0");

  /** The line filter of a published log rule, as a Java regex (RE2's subset used here reads the same). */
  @SuppressWarnings("unchecked")
  static java.util.regex.Pattern lineFilter(String config, String alert) {
    Map<String, Object> rules = (Map<String, Object>) parsed(config).get("log_alert_rules");
    for (Object g : (List<Object>) rules.get("groups")) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        Map<String, Object> rule = (Map<String, Object>) r;
        if (alert.equals(rule.get("alert"))) {
          java.util.regex.Matcher m = LOG_QUERY.matcher((String) rule.get("expr"));
          assertTrue(m.matches(), (String) rule.get("expr"));
          return java.util.regex.Pattern.compile(m.group(2));
        }
      }
    }
    throw new AssertionError("no log rule " + alert);
  }

  @Test
  @SuppressWarnings("unchecked")
  void logRulesSelectTheFilesWithTheTopologyTheCollectorsLinesCarry() {
    Map<String, Object> rules = (Map<String, Object>) parsed(CosAgentData.config(TOPOLOGY, 5001, "registry")).get("log_alert_rules");
    List<Map<String, Object>> groups = (List<Map<String, Object>>) rules.get("groups");
    assertEquals(1, groups.size());
    assertEquals("m_u-1_docker-registry_docker-registry_0_registry_logs_alerts", groups.get(0).get("name"));
    List<Map<String, Object>> list = (List<Map<String, Object>>) groups.get(0).get("rules");
    assertEquals(List.of("RegistryStorageUnhealthy", "RegistryMaintenanceFailed"), list.stream().map(r -> r.get("alert")).toList());
    Map<String, String> files = Map.of("RegistryStorageUnhealthy", "/var/log/docker-registry/registry.log",
        "RegistryMaintenanceFailed", "/var/log/docker-registry/maintenance.log");
    for (Map<String, Object> rule : list) {
      Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
      assertEquals(Map.of("juju_model", "m", "juju_model_uuid", "u-1", "juju_unit", "docker-registry/0", "juju_charm", "docker-registry"),
          Map.of("juju_model", labels.get("juju_model"), "juju_model_uuid", labels.get("juju_model_uuid"), "juju_unit", labels.get("juju_unit"),
              "juju_charm", labels.get("juju_charm")));
      assertFalse(labels.containsKey("juju_application"), "the collectors' /var/log lines carry their own application: " + labels);
      String expr = (String) rule.get("expr");
      java.util.regex.Matcher m = LOG_QUERY.matcher(expr);
      assertTrue(m.matches(), expr);
      assertEquals("juju_model=\"m\",juju_model_uuid=\"u-1\", filename=\"" + files.get(rule.get("alert")) + "\"", m.group(1));
      assertTrue(rule.containsKey("for") && rule.containsKey("annotations"), rule.toString());
    }
  }

  @Test
  void theLogRulesLineFiltersMatchWhatTheyAreFor() {
    String config = CosAgentData.config(TOPOLOGY, 5001, "registry");
    java.util.regex.Pattern unhealthy = lineFilter(config, "RegistryStorageUnhealthy");
    assertTrue(unhealthy.matcher("2026-01-02T03:04:05.123456789Z 172.17.0.1 - - [02/Jan/2026:03:04:05 +0000] \"GET /v2/ HTTP/1.1\" 503 73 \"\" "
        + "\"Go-http-client/1.1\"").find());
    assertFalse(unhealthy.matcher("2026-01-02T03:04:05.123456789Z 172.17.0.1 - - [02/Jan/2026:03:04:05 +0000] \"GET /v2/ HTTP/1.1\" 200 2 \"\" "
        + "\"Go-http-client/1.1\"").find());
    assertFalse(unhealthy.matcher("2026-01-02T03:04:05Z 127.0.0.1 - - [02/Jan/2026:03:04:05 +0000] \"GET /debug/health HTTP/1.1\" 503 9 \"\" \"x\"").find());
    java.util.regex.Pattern failed = lineFilter(config, "RegistryMaintenanceFailed");
    assertTrue(failed.matcher("2026-01-02T03:04:05Z garbage-collect failed: registry garbage-collect exited with 1").find());
    assertFalse(failed.matcher("2026-01-02T03:04:05Z prune done: pruned 3 tags; none failed: all good").find());
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
    String encoded = (String) ((List<Object>) parsed(CosAgentData.config(TOPOLOGY, 5001, "registry")).get("dashboards")).get(0);
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
