package charm.relations;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Juju topology of this unit, as COS labels what it collects ({@code juju_model},
 * {@code juju_model_uuid}, {@code juju_application}, {@code juju_unit}, {@code juju_charm}).
 */
public record Topology(String model, String modelUuid, String application, String unit, String charm) {

  /** The labels, in the cos_agent library's order. */
  public Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("juju_model", model);
    labels.put("juju_model_uuid", modelUuid);
    labels.put("juju_application", application);
    labels.put("juju_unit", unit);
    labels.put("juju_charm", charm);
    return labels;
  }

  /** The labels as PromQL equality matchers, comma-separated. */
  public String matchers() {
    return matchers(labels());
  }

  /**
   * The labels a log alert rule carries: all but {@code juju_application}. The collectors label
   * the lines they tail from {@code /var/log} with their own application (opentelemetry-collector's
   * {@code filelog/var-log} receiver, grafana-agent's {@code varlog} job), and the libraries
   * downstream (cosl's rules, Loki's) write the rule's {@code juju_application} label into its
   * expression as a matcher: ours would never match those lines, theirs (filled in where the label
   * is missing) does.
   */
  public Map<String, String> logLabels() {
    Map<String, String> labels = labels();
    labels.remove("juju_application");
    return labels;
  }

  /**
   * The LogQL stream matchers for lines tailed from {@code /var/log}: the model and its uuid, the
   * topology labels those lines carry that are ours (no unit: opentelemetry-collector's receiver
   * sets none; no application or charm: the collector's own).
   */
  public String logMatchers() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("juju_model", model);
    labels.put("juju_model_uuid", modelUuid);
    return matchers(labels);
  }

  /** Equality matchers, comma-separated, values quoted as PromQL and LogQL read them. */
  public static String matchers(Map<String, String> labels) {
    StringBuilder sb = new StringBuilder();
    labels.forEach((k, v) -> {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
    });
    return sb.toString();
  }

  /**
   * A name for this unit's rule groups: the library's identifier ({@code <model>_<uuid>_<app>})
   * and the unit, since every expression names the unit (groups of two units must not collide).
   */
  public String groupPrefix() {
    return model + "_" + modelUuid + "_" + application + "_" + unit.replace('/', '_');
  }
}
