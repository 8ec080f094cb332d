package charm;

import charm.actions.ContainerActions;
import charm.actions.ImageActions;
import charm.actions.RegistryActions;
import charm.juju.HookTools;
import charm.juju.HookToolException;
import charm.juju.JujuContext;
import charm.juju.ProcessHookTools;
import charm.registry.Owner;
import charm.workload.DockerClients;
import charm.workload.DockerEngineInstaller;
import charm.workload.DockerImages;
import charm.workload.DockerRegistryContainer;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The charm's entry point, started by {@code dispatch}. The only reader of the environment and the
 * only catch-all: an unexpected failure logs one ERROR line and exits 1, so Juju marks the hook
 * failed and retries it.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    JujuContext ctx = JujuContext.fromEnv(System.getenv());
    HookTools tools = new ProcessHookTools();
    int code;
    try {
      HostFiles files = new HostFiles(ctx.rootDir());
      Path socket = files.resolve(DockerRegistryContainer.SOCKET);
      Supplier<RegistryContainer> docker = () -> new DockerRegistryContainer(socket, files);
      Owner owner = new Owner(ctx.modelUuid(), ctx.appName(), ctx.unitName());
      // While a -relation-broken hook runs, Juju still lists the relation: it is gone.
      String broken = ctx.hookName().endsWith("-relation-broken") ? ctx.relationId() : "";
      Reconciler reconciler = new Reconciler(tools, docker, files, owner, broken);
      Dispatcher dispatcher =
          new Dispatcher(
              tools,
              reconciler,
              new Lifecycle(tools, docker, files, reconciler),
              new ContainerActions(tools, docker, reconciler),
              new ImageActions(tools, () -> new DockerImages(DockerClients.connect(socket)), reconciler),
              new RegistryActions(tools, docker, files, reconciler),
              new DockerEngineInstaller(socket));
      code = dispatcher.run(ctx);
    } catch (RuntimeException e) {
      code = 1;
      String what = e instanceof HookToolException h ? h.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
      System.err.println("docker-registry charm: " + ctx.eventName() + " failed: " + what);
      e.printStackTrace();
      try {
        tools.log(HookTools.LogLevel.ERROR, ctx.eventName() + " failed: " + what);
      } catch (RuntimeException ignored) {
        // juju-log itself failed; stderr has the error
      }
    }
    System.exit(code);
  }
}
