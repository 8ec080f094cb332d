package charm.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who manages a container: one unit of one application in one model. Several models (and so
 * several units named {@code docker-registry/0}) can share one Docker engine; the charm acts only
 * on containers whose three labels all match its own.
 *
 * @param modelUuid {@code JUJU_MODEL_UUID}
 * @param application the application name
 * @param unit the unit name, e.g. {@code docker-registry/0}
 */
public record Owner(String modelUuid, String application, String unit) {
  public static final String MODEL_LABEL = "charm.docker-registry.model-uuid";
  public static final String APPLICATION_LABEL = "charm.docker-registry.application";
  /** Not "charm.docker-registry.unit", which earlier revisions matched alone, across models. */
  public static final String UNIT_LABEL = "charm.docker-registry.owner-unit";

  public Owner {
    modelUuid = modelUuid == null ? "" : modelUuid;
    application = application == null ? "" : application;
    unit = unit == null ? "" : unit;
  }

  /** The labels that mark a container as this owner's. */
  public Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MODEL_LABEL, modelUuid);
    labels.put(APPLICATION_LABEL, application);
    labels.put(UNIT_LABEL, unit);
    return labels;
  }

  /** Whether a container with these labels is this owner's. */
  public boolean owns(Map<String, String> containerLabels) {
    return containerLabels != null
        && modelUuid.equals(containerLabels.get(MODEL_LABEL))
        && application.equals(containerLabels.get(APPLICATION_LABEL))
        && unit.equals(containerLabels.get(UNIT_LABEL));
  }

  /** Whether the labels mark the container as managed by some unit of this charm (any model). */
  public static boolean managedByAnyUnit(Map<String, String> containerLabels) {
    return containerLabels != null && containerLabels.containsKey(MODEL_LABEL);
  }

  @Override
  public String toString() {
    return unit + " of model " + modelUuid;
  }
}
