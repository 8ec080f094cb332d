package charm.actions;

import charm.Reconciler;
import charm.juju.HookTools;
import charm.juju.OpenedPort;
import charm.juju.Status;
import charm.workload.ContainerState;
import charm.workload.RegistryContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The start and stop actions, on the unit's own registry container only (the previous charm took
 * any container name). A stop is recorded in the unit's Juju state, so every later hook keeps the
 * container down, its ports closed and the unit blocked until the start action.
 */
public final class ContainerActions {
  private final HookTools tools;
  private final Supplier<RegistryContainer> docker;
  private final Reconciler reconciler;

  public ContainerActions(HookTools tools, Supplier<RegistryContainer> docker, Reconciler reconciler) {
    this.tools = tools;
    this.docker = docker;
    this.reconciler = reconciler;
  }

  /** start: clear the operator's stop and bring the container back. */
  public ActionResult start(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Optional<ActionResult> refused = refuse(facts, params.get("name"));
    if (refused.isPresent()) {
      return refused.get();
    }
    String name = facts.config().registryName();
    tools.stateDelete(Reconciler.STOPPED);
    try (RegistryContainer engine = docker.get()) {
      Optional<ContainerState> ours = engine.inspect(name).filter(c -> reconciler.owner().owns(c.labels()));
      if (ours.isPresent()) {
        try {
          engine.start(ours.get().id());
        } catch (RegistryContainer.StartFailure e) {
          // the reconcile below replaces it or reports why it cannot run
        }
      }
    }
    Status status = reconciler.converge(facts.withoutState(Reconciler.STOPPED));
    tools.statusSet(status);
    if (status.kind() != Status.Kind.ACTIVE) {
      return ActionResult.fail("Started " + name + " but the unit is " + status.kind().word() + ": " + status.message());
    }
    return ActionResult.ok(Map.of("outcome", "success", "message", name + " started"));
  }

  /** stop: stop (and by default remove) the container, close its ports and keep it down. */
  public ActionResult stop(Map<String, Object> params) {
    Reconciler.Facts facts = reconciler.read();
    Optional<ActionResult> refused = refuse(facts, params.get("name"));
    if (refused.isPresent()) {
      return refused.get();
    }
    String name = facts.config().registryName();
    boolean remove = !Boolean.FALSE.equals(params.get("remove"));
    try (RegistryContainer engine = docker.get()) {
      Optional<ContainerState> found = engine.inspect(name);
      if (found.isPresent() && !reconciler.owner().owns(found.get().labels())) {
        return ActionResult.fail("Container " + name + " is not managed by this unit; it was left alone");
      }
      if (found.isPresent() && remove) {
        engine.remove(found.get().id());
      } else if (found.isPresent()) {
        engine.stop(found.get().id(), 10);
      }
    }
    tools.stateSet(Map.of(Reconciler.STOPPED, name));
    List<String> closed = new ArrayList<>();
    for (String entry : tools.openedPorts()) {
      OpenedPort.parse(entry).ifPresent(p -> {
        tools.closePort(p.port(), p.protocol());
        closed.add(entry);
      });
    }
    tools.statusSet(Reconciler.stoppedByAction(name));
    return ActionResult.ok(Map.of(
        "outcome", "success",
        "message", name + (remove ? " stopped and removed" : " stopped"),
        "closed-ports", String.join(" ", closed)));
  }

  /** Whether the stop action stopped the registry container (the start action has not run since). */
  static boolean stopped(Reconciler.Facts facts) {
    return facts.config().registryName().equals(facts.state().get(Reconciler.STOPPED));
  }

  /** Why the action cannot run: the registry is not configured, or the name is not ours. */
  private Optional<ActionResult> refuse(Reconciler.Facts facts, Object requested) {
    Optional<Status> notReady = reconciler.precheck(facts);
    if (notReady.isPresent()) {
      return Optional.of(ActionResult.notReady(notReady.get()));
    }
    String name = facts.config().registryName();
    if (requested != null && !requested.toString().isEmpty() && !requested.toString().equals(name)) {
      return Optional.of(ActionResult.fail(
          "Container \"" + requested + "\" is not this unit's registry (registry-name is \"" + name + "\")"));
    }
    return Optional.empty();
  }
}
