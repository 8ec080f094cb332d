package charm.relations;

import charm.juju.Json;
import charm.registry.Layout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * Pure: the {@code config} value of the cos-agent relation's unit data, the JSON object the
 * cos_agent v0 library (grafana-agent's {@code lib/charms/grafana_agent/v0/cos_agent.py}, also
 * shipped by opentelemetry-collector) writes:
 *
 * <ul>
 *   <li>{@code metrics_scrape_jobs}: one job, the registry's debug listener at {@code
 *       localhost:<debug-port>/metrics}, named as the library names jobs ({@code
 *       <app>_<job or "default">_<8 hex of blake2b over the job's sorted JSON>}); its static
 *       target carries the Juju topology labels, the ones the collector adds;
 *   <li>{@code metrics_alert_rules}: the rule groups of {@code cos/registry.rules.json}, every
 *       rule labelled with the topology and {@code %%juju_topology%%} in its expression replaced
 *       by the topology matchers (the library's placeholder; it rewrites expressions only with
 *       its cos-tool, so we write the matchers ourselves);
 *   <li>{@code dashboards}: {@code cos/registry.dashboard.json} with the library's stable {@code
 *       uid} and {@code charm: docker-registry} tag, as base64 of its xz-compressed JSON (what
 *       Python's {@code lzma.compress} writes: the xz container, CRC64, preset 6);
 *   <li>{@code log_alert_rules}: the rule groups of {@code cos/registry.log-rules.json} (LogQL over
 *       the files under {@code /var/log/docker-registry}), named and labelled as the metrics rules
 *       but for {@code juju_application} ({@link Topology#logLabels}), {@code %%juju_topology%%}
 *       replaced by the matchers the collectors' {@code /var/log} lines carry ({@link
 *       Topology#logMatchers}) and {@code %%registry_log%%}, {@code %%maintenance_log%%} by the
 *       files' paths;
 *   <li>{@code log_slots}: empty (for snaps).
 * </ul>
 */
public final class CosAgentData {
  /** The unit data key the library writes. */
  public static final String KEY = "config";
  /** Where the registry serves its metrics on the debug listener. */
  public static final String METRICS_PATH = "/metrics";
  static final String RULES = "/cos/registry.rules.json";
  static final String PLACEHOLDER = "%%juju_topology%%";
  static final String LOG_RULES = "/cos/registry.log-rules.json";
  static final String DASHBOARD = "/cos/registry.dashboard.json";
  /** The charm's name (metadata.yaml): the topology's {@code juju_charm}, the dashboards' uid and tag. */
  public static final String CHARM = "docker-registry";

  private CosAgentData() {}

  /**
   * The {@code config} value for a unit whose debug listener is on {@code debugPort} and whose
   * container is {@code registryName}.
   */
  public static String config(Topology topology, int debugPort, String registryName) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("metrics_alert_rules", alertRules(topology, resource(RULES)));
    data.put("log_alert_rules", logAlertRules(topology, registryName));
    data.put("dashboards", List.of(dashboard(DASHBOARD)));
    data.put("metrics_scrape_jobs", List.of(scrapeJob(topology, debugPort)));
    data.put("log_slots", List.of());
    return new String(Json.write(data), StandardCharsets.UTF_8);
  }

  /** The scrape job, with the library's job name. */
  static Map<String, Object> scrapeJob(Topology topology, int debugPort) {
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("targets", List.of("localhost:" + debugPort));
    target.put("labels", topology.labels());
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("metrics_path", METRICS_PATH);
    job.put("static_configs", List.of(target));
    job.put("job_name", topology.application() + "_default_" + shortHash(job));
    return job;
  }

  /**
   * The library's {@code _dict_hash_except_key}: blake2b with a 4-byte digest over Python's
   * {@code json.dumps(job without job_name, sort_keys=True)}.
   */
  static String shortHash(Map<String, Object> job) {
    Map<String, Object> rest = new TreeMap<>(job);
    rest.remove("job_name");
    byte[] text = pythonJson(rest).getBytes(StandardCharsets.US_ASCII);
    Blake2bDigest digest = new Blake2bDigest(32);
    digest.update(text, 0, text.length);
    byte[] out = new byte[4];
    digest.doFinal(out, 0);
    return HexFormat.of().formatHex(out);
  }

  /** Python's {@code json.dumps(value, sort_keys=True)}: ", " and ": " separators, ASCII only. */
  static String pythonJson(Object value) {
    StringBuilder sb = new StringBuilder();
    pythonJson(sb, value);
    return sb.toString();
  }

  private static void pythonJson(StringBuilder sb, Object value) {
    if (value instanceof Map<?, ?> map) {
      sb.append('{');
      String sep = "";
      for (Map.Entry<?, ?> e : new TreeMap<>(map).entrySet()) {
        sb.append(sep);
        pythonString(sb, (String) e.getKey());
        sb.append(": ");
        pythonJson(sb, e.getValue());
        sep = ", ";
      }
      sb.append('}');
    } else if (value instanceof List<?> list) {
      sb.append('[');
      String sep = "";
      for (Object item : list) {
        sb.append(sep);
        pythonJson(sb, item);
        sep = ", ";
      }
      sb.append(']');
    } else if (value instanceof String s) {
      pythonString(sb, s);
    } else if (value instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (value == null) {
      sb.append("null");
    } else {
      sb.append(value);
    }
  }

  private static void pythonString(StringBuilder sb, String s) {
    sb.append(charm.tls.PyJson.string(s));
  }

  /**
   * The rule groups with the topology: each group named {@code <prefix>_<name>_alerts}, each rule's
   * labels completed with the topology (a label the rule sets stays), its expression's
   * placeholder replaced by the topology matchers.
   */
  static Map<String, Object> alertRules(Topology topology, String rulesJson) {
    return alertRules(topology, rulesJson, topology.matchers(), topology.labels(), Map.of());
  }

  /** The log rule groups, for the files of the container {@code registryName}. */
  static Map<String, Object> logAlertRules(Topology topology, String registryName) {
    Map<String, String> files = Map.of("%%registry_log%%", Layout.registryLog(registryName), "%%maintenance_log%%", Layout.MAINTENANCE_LOG);
    return alertRules(topology, resource(LOG_RULES), topology.logMatchers(), topology.logLabels(), files);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> alertRules(Topology topology, String rulesJson, String matchers, Map<String, String> topologyLabels,
      Map<String, String> values) {
    Map<String, Object> parsed = (Map<String, Object>) Json.parse(rulesJson.getBytes(StandardCharsets.UTF_8));
    List<Object> groups = new ArrayList<>();
    for (Object g : (List<Object>) parsed.get("groups")) {
      Map<String, Object> group = (Map<String, Object>) g;
      List<Object> rules = new ArrayList<>();
      for (Object r : (List<Object>) group.get("rules")) {
        Map<String, Object> rule = new LinkedHashMap<>((Map<String, Object>) r);
        String expr = (String) rule.get("expr");
        if (!expr.contains(PLACEHOLDER)) {
          throw new IllegalArgumentException("rule " + rule.get("alert") + " has no " + PLACEHOLDER + " in its expression");
        }
        expr = expr.replace(PLACEHOLDER, matchers);
        for (Map.Entry<String, String> v : values.entrySet()) {
          expr = expr.replace(v.getKey(), v.getValue().replace("\\", "\\\\").replace("\"", "\\\""));
        }
        rule.put("expr", expr);
        Map<String, Object> labels = new LinkedHashMap<>((Map<String, Object>) rule.getOrDefault("labels", Map.of()));
        topologyLabels.forEach(labels::putIfAbsent);
        rule.put("labels", labels);
        rules.add(rule);
      }
      Map<String, Object> named = new LinkedHashMap<>();
      named.put("name", topology.groupPrefix() + "_" + group.get("name") + "_alerts");
      named.put("rules", rules);
      groups.add(named);
    }
    return Map.of("groups", groups);
  }

  /**
   * A dashboard as the library sends it: uid {@code shake_256("<charm>-<path>")} (20 bytes in hex,
   * cosl's DashboardPath40UID), the tag {@code charm: <charm>} unless a {@code charm: } tag is
   * there, then xz and base64.
   */
  @SuppressWarnings("unchecked")
  static String dashboard(String resourceName) {
    Map<String, Object> dashboard = (Map<String, Object>) Json.parse(resource(resourceName).getBytes(StandardCharsets.UTF_8));
    dashboard.put("uid", dashboardUid(CHARM, "src/main/resources" + resourceName));
    List<Object> tags = new ArrayList<>((List<Object>) dashboard.getOrDefault("tags", List.of()));
    if (tags.stream().noneMatch(t -> t.toString().startsWith("charm: "))) {
      tags.add("charm: " + CHARM);
    }
    dashboard.put("tags", tags);
    return Base64.getEncoder().encodeToString(xz(Json.write(dashboard)));
  }

  static String dashboardUid(String charm, String path) {
    byte[] text = (charm + "-" + path).getBytes(StandardCharsets.UTF_8);
    SHAKEDigest shake = new SHAKEDigest(256);
    shake.update(text, 0, text.length);
    byte[] out = new byte[20];
    shake.doFinal(out, 0, out.length);
    return HexFormat.of().formatHex(out);
  }

  static byte[] xz(byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (XZOutputStream out = new XZOutputStream(bytes, new LZMA2Options(LZMA2Options.PRESET_DEFAULT), XZ.CHECK_CRC64)) {
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static String resource(String name) {
    try (InputStream in = CosAgentData.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
