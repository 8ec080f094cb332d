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

  /** The labels as PromQL (and LogQL) equality matchers, comma-separated. */
  public String matchers() {
    StringBuilder sb = new StringBuilder();
    labels().forEach((k, v) -> {
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
