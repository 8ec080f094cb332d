package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The cos-agent relation with the real pieces: the unit's published scrape job, exactly as
 * published, scraped by a real Prometheus (Debian's 2.42) from the real registry; the published
 * alert rules loaded by it, each evaluated without error; and the down alert firing once the
 * registry stops (the test's copy of that rule has a 10 s {@code for}).
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("timing") // runs alone (pom.xml): its assertions are about time (the down alert fires within its for plus two scrape intervals)
class CosAgentIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String COLLECTOR = "opentelemetry-collector/0";
  static final Duration SCRAPE = Duration.ofSeconds(2);
  static final Duration DOWN_FOR = Duration.ofSeconds(10);

  SimUnit unit;
  int debugPort;
  Daemon prometheus;
  int prometheusPort;

  @BeforeAll
  void deploy() throws Exception {
    debugPort = RegistryCharmIT.freePort();
    unit = SimUnit.deploy("it-hcos-cos", m -> m.config.put("debug-port", debugPort));
  }

  @AfterAll
  void destroy() {
    try {
      if (prometheus != null) {
        prometheus.stop();
      }
    } finally {
      if (unit != null) {
        unit.close();
      }
    }
  }

  @Test
  void aRealPrometheusScrapesThePublishedJobAndEvaluatesThePublishedRules() throws Exception {
    assertEquals("", debugBinding(), "no debug listener before the relation");
    String idBefore = SimUnit.idAndStart(unit.name);
    int relation = unit.sim.integrate("cos-agent", "opentelemetry-collector", List.of(COLLECTOR), Map.of(), Map.of());
    unit.assertActive();
    assertFalse(idBefore.equals(SimUnit.idAndStart(unit.name)), "the container was replaced with its metrics on");
    assertEquals("127.0.0.1:" + debugPort, debugBinding(),
        "the debug listener (pprof, expvar) is on the loopback only");
    assertFalse(unit.sim.openedPorts(SimUnit.UNIT).stream().anyMatch(p -> p.startsWith(debugPort + "/")), unit.sim.openedPorts(SimUnit.UNIT).toString());

    String published = unit.sim.localUnitData(relation, SimUnit.UNIT).get("config");
    JsonNode config = JSON.readTree(published);
    assertEquals(List.of("metrics_alert_rules", "log_alert_rules", "dashboards", "metrics_scrape_jobs", "log_slots"), fieldNames(config));
    JsonNode job = config.get("metrics_scrape_jobs").get(0);
    assertTrue(job.get("job_name").asText().matches("docker-registry_default_[0-9a-f]{8}"), job.toString());
    assertEquals("localhost:" + debugPort, job.get("static_configs").get(0).get("targets").get(0).asText());

    // Idempotent: another hook with nothing changed writes nothing and keeps the container.
    String id = SimUnit.idAndStart(unit.name);
    HookResult again = unit.sim.setRemoteUnitData(relation, COLLECTOR, Map.of("something", "else")).get(0);
    assertEquals(0, again.exitCode(), again.stderr());
    assertEquals(List.of(), again.writes(), "a relation hook with nothing changed writes nothing");
    assertEquals(List.of(), unit.hook("config-changed").writes());
    assertEquals(id, SimUnit.idAndStart(unit.name), "the container was not restarted");
    unit.countHookTools();
    assertEquals(List.of("status-set"), unit.hookTools("update-status"), "the steady update-status reads no relation");

    startPrometheus(config);
    Poll.until(Duration.ofSeconds(60), () -> targetHealth().equals("up"), () -> "target health " + targetHealth() + "\n" + prometheus.log());
    assertTrue(query("registry_http_in_flight_requests").size() > 0 || query("up").size() > 0);
    JsonNode up = query("up").get(0).get("metric");
    for (String label : List.of("juju_model", "juju_model_uuid", "juju_application", "juju_unit", "juju_charm")) {
      assertTrue(up.has(label), "scraped series carry " + label + ": " + up);
    }

    // Every published expression runs on Prometheus, and every rule evaluates without error.
    for (JsonNode rule : config.get("metrics_alert_rules").get("groups").get(0).get("rules")) {
      query(rule.get("expr").asText());
    }
    Poll.until(Duration.ofSeconds(30), () -> ruleHealth().stream().allMatch(h -> h.equals("ok")) && !ruleHealth().isEmpty(),
        () -> "rule health " + rules());
    assertEquals(5, ruleHealth().size());
    assertEquals(List.of(), firing(), "nothing fires while the registry runs");

    // Every dashboard panel's query runs on that Prometheus; the request panel shows traffic.
    for (int i = 0; i < 5; i++) {
      Http.status("http://" + unit.netloc() + "/v2/");
    }
    JsonNode dashboard = JSON.readTree(xzBase64(config.get("dashboards").get(0).asText()));
    Poll.until(Duration.ofSeconds(30), () -> panelQuery(dashboard.get("panels").get(0).get("targets").get(0)).size() > 0,
        () -> "no requests in the first panel");
    int queries = 0;
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        panelQuery(target);
        queries++;
      }
    }
    assertEquals(10, queries);

    Cmd.ok("docker", "stop", unit.name);
    long stopped = System.nanoTime();
    Duration within = DOWN_FOR.plus(SCRAPE.multipliedBy(2));
    Poll.until(within.plusSeconds(1), () -> firing().contains("RegistryTargetDown"), () -> "alerts " + rules());
    Duration took = Duration.ofNanos(System.nanoTime() - stopped);
    assertTrue(took.compareTo(within) <= 0, "the down alert fired after " + took);

    // The registry back (a container stopped outside the charm blocks the unit: started by hand),
    // scraped again; the relation's end restores today's behaviour.
    Cmd.ok("docker", "start", unit.name);
    Poll.until(Duration.ofSeconds(60), () -> targetHealth().equals("up"), () -> "target health " + targetHealth());
    unit.hook("update-status");
    unit.assertActive();
    unit.sim.removeRelation(relation);
    unit.assertActive();
    assertEquals("", debugBinding(), "no debug listener after the relation");
  }

  private void startPrometheus(JsonNode config) throws Exception {
    Path dir = Files.createDirectories(unit.work.resolve("prometheus"));
    ObjectNode rules = config.get("metrics_alert_rules").deepCopy();
    for (JsonNode rule : rules.get("groups").get(0).get("rules")) {
      if (rule.get("alert").asText().equals("RegistryTargetDown")) {
        ((ObjectNode) rule).put("for", DOWN_FOR.toSeconds() + "s");
      }
    }
    Files.write(dir.resolve("rules.json"), JSON.writeValueAsBytes(rules));
    ObjectNode prom = JSON.createObjectNode();
    prom.putObject("global").put("scrape_interval", SCRAPE.toSeconds() + "s").put("evaluation_interval", "1s");
    prom.putArray("rule_files").add(dir.resolve("rules.json").toString());
    prom.set("scrape_configs", config.get("metrics_scrape_jobs")); // exactly as published
    Files.write(dir.resolve("prometheus.json"), JSON.writeValueAsBytes(prom));
    prometheusPort = RegistryCharmIT.freePort();
    prometheus = Daemon.start("prometheus", dir.resolve("prometheus.log"), Map.of(), List.of("prometheus",
        "--config.file=" + dir.resolve("prometheus.json"), "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort)).awaitListening("127.0.0.1", prometheusPort);
    // Listening is not ready: until its storage is open the API answers 503 "Service Unavailable".
    Http.await("http://127.0.0.1:" + prometheusPort + "/-/ready", code -> code == 200, Duration.ofSeconds(60));
  }

  private JsonNode api(String path) {
    try {
      JsonNode body = JSON.readTree(Http.send("GET", "http://127.0.0.1:" + prometheusPort + path).body());
      assertEquals("success", body.get("status").asText(), path + ": " + body);
      return body.get("data");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  JsonNode query(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("result");
  }

  private String targetHealth() {
    JsonNode active = api("/api/v1/targets").get("activeTargets");
    return active.size() == 0 ? "none" : active.get(0).get("health").asText();
  }

  /** A panel's query as Grafana sends it with every topology variable at "All". */
  private JsonNode panelQuery(JsonNode target) {
    String expr = target.get("expr").asText().replace("$__rate_interval", "1m").replaceAll("\\$juju_[a-z_]+", ".*");
    return query(expr);
  }

  private static byte[] xzBase64(String encoded) throws java.io.IOException {
    try (var in = new org.tukaani.xz.XZInputStream(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(encoded)))) {
      return in.readAllBytes();
    }
  }

  private JsonNode rules() {
    return api("/api/v1/rules").get("groups");
  }

  private List<String> ruleHealth() {
    List<String> health = new ArrayList<>();
    rules().forEach(g -> g.get("rules").forEach(r -> health.add(r.get("health").asText())));
    return health;
  }

  private List<String> firing() {
    List<String> names = new ArrayList<>();
    rules().forEach(g -> g.get("rules").forEach(r -> {
      if (r.get("state").asText().equals("firing")) {
        names.add(r.get("name").asText());
      }
    }));
    return names;
  }

  /** Where the container's debug listener is published ("" when it is not). */
  private String debugBinding() {
    Cmd c = Cmd.run("docker", "port", unit.name, "5001/tcp");
    return c.exitCode() == 0 ? c.output().trim() : "";
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
