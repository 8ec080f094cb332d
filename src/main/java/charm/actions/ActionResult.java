package charm.actions;

import java.util.Map;

/** What an action decided; the dispatcher reports it with action-set / action-fail. */
public sealed interface ActionResult {

  /** Results to set; keys follow Juju's action-set rules. */
  Map<String, String> results();

  record Ok(Map<String, String> results) implements ActionResult {}

  record Failed(String message, Map<String, String> results) implements ActionResult {}

  static ActionResult ok(Map<String, String> results) {
    return new Ok(Map.copyOf(results));
  }

  static ActionResult fail(String message) {
    return new Failed(message, Map.of());
  }

  /** Every action refuses to run while the registry is not configured (as the old charm did). */
  static ActionResult notReady(charm.juju.Status status) {
    return fail("Registry not yet ready: " + status.message());
  }
}
