package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.OpenedPort;
import charm.juju.Status;
import charm.registry.Owner;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.ContainerState;
import charm.workload.EngineUnavailable;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The hooks that do not reconcile: stop/remove and the series-upgrade pair. */
public final class Lifecycle {
  private final HookTools tools;
  private final Supplier<RegistryContainer> docker;
  private final HostFiles files;
  private final Reconciler reconciler;
  private final Owner owner;

  public Lifecycle(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Reconciler reconciler) {
    this.tools = tools;
    this.docker = docker;
    this.files = files;
    this.reconciler = reconciler;
    this.owner = reconciler.owner();
  }

  /**
   * stop and remove: the unit's own containers (by their owner labels, whatever their name) go,
   * their volumes and the data in /srv/registry stay. On remove the engine also stops trusting
   * the registry. An engine that does not answer leaves the containers where they are; ports
   * and trust are still cleaned up.
   */
  public void teardown(boolean removeTrust) {
    try (RegistryContainer engine = docker.get()) {
      if (engine.engineAnswers()) {
        for (String name : engine.managedContainers(owner)) {
          engine.remove(name);
          tools.log(LogLevel.INFO, "Removed container " + name + "; data in " + Planner.DATA_DIR + " is kept");
        }
      }
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, "Containers not removed: " + e.getMessage());
    }
    for (String entry : tools.openedPorts()) {
      OpenedPort.parse(entry).ifPresent(p -> tools.closePort(p.port(), p.protocol()));
    }
    if (removeTrust) {
      new EngineTrust(tools, files).forget(tools.stateGet());
    }
  }

  /**
   * pre-series-upgrade: stop the container (kept) until post-series-upgrade. Unlike the previous
   * charm this leaves the Docker daemon alone: the OS upgrade restarts it if it must.
   */
  public void preSeriesUpgrade() {
    RegistryConfig config = RegistryConfig.from(tools.configGet());
    try (RegistryContainer engine = docker.get()) {
      ours(engine, config.registryName()).ifPresent(id -> engine.stop(id, 10));
    } catch (EngineUnavailable e) {
      // The upgrade goes ahead; it restarts the engine anyway.
      tools.log(LogLevel.WARNING, "Container not stopped: " + e.getMessage());
    }
    tools.stateSet(Map.of(Reconciler.SERIES_UPGRADE, "true"));
    tools.statusSet(Status.blocked("Series upgrade in progress"));
  }

  /** post-series-upgrade: start the container again and reconcile. */
  public void postSeriesUpgrade() {
    tools.stateDelete(Reconciler.SERIES_UPGRADE);
    Reconciler.Facts facts = reconciler.read().withoutState(Reconciler.SERIES_UPGRADE);
    try (RegistryContainer engine = docker.get()) {
      Optional<String> id = ours(engine, facts.config().registryName());
      if (id.isPresent()) {
        try {
          engine.start(id.get());
        } catch (RegistryContainer.StartFailure e) {
          tools.log(LogLevel.WARNING, "Cannot start " + facts.config().registryName() + ": " + e.getMessage());
        }
      }
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, "Container not started: " + e.getMessage()); // the reconcile reports it
    }
    tools.statusSet(reconciler.converge(facts));
  }

  /** The id of the container with this name when it is this unit's. */
  private Optional<String> ours(RegistryContainer engine, String name) {
    return engine.inspect(name).filter(c -> owner.owns(c.labels())).map(ContainerState::id);
  }
}
