package charm.actions;

import java.util.Map;

/** One action of actions.yaml. Params arrive validated by Juju against the schema. */
public interface Action {
  ActionResult run(Map<String, Object> params);
}
