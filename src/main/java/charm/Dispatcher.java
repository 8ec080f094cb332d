package charm;

import charm.actions.ActionResult;
import charm.actions.ContainerActions;
import charm.actions.ImageActions;
import charm.actions.LargeResults;
import charm.actions.RegistryActions;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.JujuContext;
import charm.juju.Status;
import charm.workload.DockerEngineInstaller;
import charm.workload.EngineUnavailable;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * Maps the event to its handler: stop/remove tear down, the series-upgrade pair pauses, every
 * other hook of ours reconciles, actions run their handler; hooks we don't know exit 0.
 *
 * <p>A Docker engine that stops answering ({@link EngineUnavailable}) is transient, not a charm
 * error: a hook reports {@code waiting} with the reason and exits 0 (the next hook, update-status
 * at the latest, tries again); an action fails with the reason.
 */
public final class Dispatcher {
  private static final Set<String> ENDPOINTS =
      Set.of("docker-registry", "nrpe-external-master", "website", "cert-provider", "peer", "cos-agent");
  /**
   * The hooks that may confirm the {@link ReadyRecord} instead of reconciling in full; every other
   * hook and action removes the record as it starts (see {@link ReadyStore}). dispatch records the
   * class archive during these hooks too.
   */
  public static final Set<String> STEADY_HOOKS = Set.of("update-status", "config-changed");

  private static final Set<String> RECONCILE_HOOKS =
      Set.of("install", "start", "upgrade-charm", "leader-elected", "leader-settings-changed");

  private final HookTools tools;
  private final Reconciler reconciler;
  private final Lifecycle lifecycle;
  private final ContainerActions containerActions;
  private final ImageActions imageActions;
  private final RegistryActions registryActions;
  private final DockerEngineInstaller installer;

  public Dispatcher(
      HookTools tools,
      Reconciler reconciler,
      Lifecycle lifecycle,
      ContainerActions containerActions,
      ImageActions imageActions,
      RegistryActions registryActions,
      DockerEngineInstaller installer) {
    this.tools = tools;
    this.reconciler = reconciler;
    this.lifecycle = lifecycle;
    this.containerActions = containerActions;
    this.imageActions = imageActions;
    this.registryActions = registryActions;
    this.installer = installer;
  }

  /** Runs the event; returns the process exit code. */
  public int run(JujuContext ctx) {
    if (ctx.isAction()) {
      return runAction(ctx.actionName(), new LargeResults(LargeResults.directory(ctx.rootDir(), ctx.unitName()), Clock.systemUTC()));
    }
    try {
      return runHook(ctx.hookName());
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, e.getMessage());
      tools.statusSet(Reconciler.engineWaiting(e));
      return 0;
    }
  }

  private int runHook(String hook) {
    switch (hook) {
      case "stop" -> lifecycle.teardown(false);
      case "remove" -> lifecycle.teardown(true);
      case "pre-series-upgrade" -> lifecycle.preSeriesUpgrade();
      case "post-series-upgrade" -> lifecycle.postSeriesUpgrade();
      case "update-status" -> reconciler.updateStatus(registryActions::scheduledMaintenance);
      case "config-changed" -> reconciler.configChanged(registryActions::scheduledMaintenance);
      case "install" -> {
        if (!installer.engineInstalled()) {
          tools.statusSet(Status.maintenance("Installing the Docker engine"));
          String error = installer.install();
          if (error != null) {
            // Fail the hook: Juju retries install with backoff, and apt problems are mostly transient.
            tools.log(LogLevel.ERROR, "Docker engine installation failed: " + error);
            return 1;
          }
        }
        reconciler.reconcile(registryActions::scheduledMaintenance);
      }
      default -> {
        if (RECONCILE_HOOKS.contains(hook) || isOurRelationHook(hook)) {
          reconciler.reconcile(registryActions::scheduledMaintenance);
        }
      }
    }
    return 0;
  }

  private static boolean isOurRelationHook(String hook) {
    int at = hook.lastIndexOf("-relation-");
    return at > 0 && ENDPOINTS.contains(hook.substring(0, at));
  }

  private int runAction(String action, LargeResults large) {
    Map<String, Object> params = tools.actionGet();
    ActionResult result;
    try {
      result =
          switch (action) {
            case "start" -> containerActions.start(params);
            case "stop" -> containerActions.stop(params);
            case "images" -> imageActions.images(params);
            case "rmi" -> imageActions.rmi(params);
            case "push" -> imageActions.push(params);
            case "catalog" -> registryActions.catalog(params);
            case "delete" -> registryActions.delete(params);
            case "garbage-collect" -> registryActions.garbageCollect(params);
            case "prune" -> registryActions.prune(params);
            case "usage" -> registryActions.usage(params);
            default -> ActionResult.fail(
                "Unknown action \"" + action + "\"; this charm has push, images, rmi, start, stop, catalog, delete, garbage-collect, prune and usage");
          };
    } catch (EngineUnavailable e) {
      result = ActionResult.fail(e.getMessage());
    }
    if (!result.results().isEmpty()) {
      tools.actionSet(large.fit(action, result.results())); // a listing too big for action-set goes to a file
    }
    if (result instanceof ActionResult.Failed failed) {
      tools.actionFail(failed.message());
    }
    return 0;
  }
}
