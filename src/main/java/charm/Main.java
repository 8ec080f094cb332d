package charm;

import charm.actions.ContainerActions;
import charm.actions.ImageActions;
import charm.actions.RegistryActions;
import charm.juju.HookTools;
import charm.juju.HookToolException;
import charm.juju.JujuContext;
import charm.juju.ProcessHookTools;
import charm.juju.Status;
import charm.registry.Owner;
import charm.workload.DockerClients;
import charm.workload.DockerEngineInstaller;
import charm.workload.DockerImages;
import charm.workload.DockerRegistryContainer;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import java.io.IOException;
import java.nio.file.Files;
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
    nameTheSelectorProvider();
    JujuContext ctx = JujuContext.fromEnv(System.getenv());
    ProcessHookTools tools = new ProcessHookTools();
    ReadyStore store = ReadyStore.in(ctx.charmDir());
    if (ctx.isAction() || !Dispatcher.STEADY_HOOKS.contains(ctx.hookName())) {
      store.delete(); // whatever this changes, the next steady hook checks in full
    }
    Reconciler reconciler = null;
    int code;
    try {
      HostFiles files = new HostFiles(ctx.rootDir());
      Path socket = files.resolve(DockerRegistryContainer.SOCKET);
      Supplier<RegistryContainer> docker = () -> new DockerRegistryContainer(socket, files);
      Owner owner = new Owner(ctx.modelUuid(), ctx.appName(), ctx.unitName());
      // While a -relation-broken hook runs, Juju still lists the relation: it is gone.
      String broken = ctx.hookName().endsWith("-relation-broken") ? ctx.relationId() : "";
      reconciler = new Reconciler(tools, docker, files, owner, broken, store, ctx.modelName());
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
    if (reconciler != null) {
      reconciler.settleRecord(code == 0);
    } else {
      store.delete();
    }
    if (code == 0 && tools.unitStatusSet() == Status.Kind.ACTIVE && !DockerClients.connected()) {
      markSteady();
    }
    System.exit(code);
  }

  /** The JDK's own selector provider on Linux. */
  static final String LINUX_SELECTOR_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

  /**
   * The first socket channel of a JVM (here: the engine's unix socket) makes the JDK look for a
   * selector provider on the class path, which opens the charm's jar (15,000 entries) only to find
   * none there: 12 to 35 ms of every hook, measured. The system property that names a provider
   * skips that search; it names the class the JDK picks anyway on Linux, and only when this JDK has
   * it (the property is honoured from inside java.base, so the class need not be exported).
   */
  static void nameTheSelectorProvider() {
    if (System.getProperty("java.nio.channels.spi.SelectorProvider") != null) {
      return;
    }
    try {
      Class.forName(LINUX_SELECTOR_PROVIDER, false, null);
      System.setProperty("java.nio.channels.spi.SelectorProvider", LINUX_SELECTOR_PROVIDER);
    } catch (ClassNotFoundException | LinkageError e) {
      // Another platform or JDK: the JDK searches as usual.
    }
  }

  /**
   * dispatch records the class archive during a hook only when the charm says the hook was steady
   * (it ended active and changed nothing on the engine), since the archive should hold what most
   * hooks load: it passes {@code -Dcharm.steady-marker=FILE}, and the charm creates that file.
   */
  private static void markSteady() {
    String marker = System.getProperty("charm.steady-marker");
    if (marker != null) {
      try {
        Files.write(Path.of(marker), new byte[0]);
      } catch (IOException e) {
        System.err.println("docker-registry charm: cannot mark the hook steady: " + e.getMessage());
      }
    }
  }
}
