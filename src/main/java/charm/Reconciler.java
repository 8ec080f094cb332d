package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.OpenedPort;
import charm.juju.Status;
import charm.registry.ContainerSpec;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.ContainerState;
import charm.workload.DaemonTrust;
import charm.workload.EngineUnavailable;
import charm.workload.HostFiles;
import charm.workload.HttpProbe;
import charm.workload.RegistryContainer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The holistic reconcile every hook runs (but stop/remove): read everything once, plan with pure
 * code, apply only the differences, report one status.
 */
public final class Reconciler {
  /** Leader setting shared by all units: the registry's {@code http.secret}. */
  static final String HTTP_SECRET = "http-secret";
  /** Unit state: the container name the operator stopped with the stop action. */
  public static final String STOPPED = "stopped-container";
  /** Unit state: the netloc this unit added to the Docker engine's insecure registries. */
  public static final String TRUSTED = "trusted-netloc";
  /** Unit state: a series upgrade is under way. */
  public static final String SERIES_UPGRADE = "series-upgrade";
  /** The endpoint whose ingress address clients use. */
  static final String CLIENT_BINDING = "docker-registry";
  private static final long START_TIMEOUT_MILLIS = 30_000;

  private final HookTools tools;
  private final Supplier<RegistryContainer> docker;
  private final HostFiles files;
  private final String unitName;

  public Reconciler(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, String unitName) {
    this.tools = tools;
    this.docker = docker;
    this.files = files;
    this.unitName = unitName;
  }

  /** What the charm reads once per hook: config, the shared secret, unit state, the address. */
  public record Facts(RegistryConfig config, String httpSecret, Map<String, String> state, String address) {
    Plan plan(String unitName) {
      return Planner.plan(config, httpSecret, address, unitName);
    }

    /** The same facts with a unit state key removed (read-your-writes after state-delete). */
    public Facts withoutState(String key) {
      Map<String, String> copy = new java.util.HashMap<>(state);
      copy.remove(key);
      return new Facts(config, httpSecret, copy, address);
    }
  }

  /** Reads everything once; the leader generates the shared http secret when there is none. */
  public Facts read() {
    RegistryConfig config = RegistryConfig.from(tools.configGet());
    String secret = tools.leaderGet().get(HTTP_SECRET);
    if ((secret == null || secret.isEmpty()) && tools.isLeader()) {
      secret = newSecret();
      tools.leaderSet(Map.of(HTTP_SECRET, secret));
      tools.log(LogLevel.INFO, "Generated the shared http secret");
    }
    return new Facts(config, secret, tools.stateGet(), tools.ingressAddress(CLIENT_BINDING));
  }

  /** The full reconcile. */
  public void reconcile() {
    Facts facts = read();
    tools.statusSet(converge(facts));
  }

  /**
   * update-status: when the files on disk are the planned ones and the registry answers, report
   * without touching Docker; otherwise run the full reconcile.
   */
  public void updateStatus() {
    Facts facts = read();
    Optional<Status> early = precheck(facts);
    if (early.isPresent()) {
      tools.statusSet(early.get());
      return;
    }
    Plan plan = facts.plan(unitName);
    tools.statusSet(filesMatch(plan) && answers(plan, 1000) ? ready(plan) : apply(facts, plan));
  }

  /** Problems that stop the reconcile before any change. */
  public Optional<Status> precheck(Facts facts) {
    if (!facts.config().problems().isEmpty()) {
      facts.config().problems().forEach(p -> tools.log(LogLevel.WARNING, "Invalid option " + p.option() + ": " + p.reason()));
      return Optional.of(Status.blocked(facts.config().statusMessage()));
    }
    if (facts.httpSecret() == null || facts.httpSecret().isEmpty()) {
      return Optional.of(Status.waiting("Waiting for the leader to share the http secret"));
    }
    if (facts.state().containsKey(SERIES_UPGRADE)) {
      return Optional.of(Status.blocked("Series upgrade in progress"));
    }
    return Optional.empty();
  }

  /** Plans and applies; returns the status to report. */
  public Status converge(Facts facts) {
    Optional<Status> early = precheck(facts);
    return early.isPresent() ? early.get() : apply(facts, facts.plan(unitName));
  }

  private Status apply(Facts facts, Plan plan) {
    try (RegistryContainer engine = docker.get()) {
      if (!engine.engineAnswers()) {
        return Status.waiting("Waiting for the Docker engine");
      }
      applyFiles(plan);
      Optional<Status> container = applyContainer(engine, plan, facts);
      applyPorts(plan.ports());
      applyTrust(plan, facts.state());
      if (container.isPresent()) {
        return container.get();
      }
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, e.getMessage());
      return engineWaiting(e);
    }
    if (!answers(plan, START_TIMEOUT_MILLIS)) {
      return Status.waiting("Registry is not answering on port " + facts.config().registryPort() + " yet");
    }
    return ready(plan);
  }

  private void applyFiles(Plan plan) {
    for (Plan.FileSpec f : plan.files()) {
      if (files.ensure(f.path(), f.content().getBytes(StandardCharsets.UTF_8), f.mode())) {
        tools.log(LogLevel.INFO, "Wrote " + f.path());
      }
    }
    files.ensureDirectory(Planner.DATA_DIR, "rwxr-xr-x");
  }

  /** Makes the container match the plan; returns a status when it cannot be ready. */
  private Optional<Status> applyContainer(RegistryContainer engine, Plan plan, Facts facts) {
    ContainerSpec spec = plan.container();
    String name = spec.name();
    for (String other : engine.managedContainers(unitName)) {
      if (!other.equals(name)) {
        engine.remove(other);
        tools.log(LogLevel.INFO, "Removed container " + other + " (registry-name changed)");
      }
    }
    if (name.equals(facts.state().get(STOPPED))) {
      engine.stop(name);
      return Optional.of(Status.blocked(name + " container is stopped."));
    }
    if (!engine.imagePresent(spec.image())) {
      tools.statusSet(Status.maintenance("Pulling " + spec.image()));
      try {
        engine.pull(spec.image(), line -> tools.log(LogLevel.INFO, "pull " + spec.image() + ": " + line));
      } catch (EngineUnavailable e) {
        throw e;
      } catch (RuntimeException e) {
        tools.log(LogLevel.ERROR, "Cannot pull " + spec.image() + ": " + e.getMessage());
        return Optional.of(Status.blocked("Cannot pull registry-image " + spec.image()));
      }
    }
    Optional<ContainerState> current = engine.inspect(name);
    String hash = spec.hash();
    if (current.isPresent() && hash.equals(current.get().specHash())) {
      ContainerState state = current.get();
      if (state.restarting()) {
        return Optional.of(Status.blocked(name + " container keeps exiting (code " + state.exitCode() + "); see docker logs " + name));
      }
      if (!state.running()) {
        return Optional.of(Status.blocked(name + " container is stopped."));
      }
      return Optional.empty();
    }
    tools.statusSet(Status.maintenance(current.isPresent() ? "Recreating " + name : "Creating " + name));
    current.ifPresent(c -> engine.remove(name));
    try {
      engine.createAndStart(spec);
    } catch (RegistryContainer.StartFailure e) {
      tools.log(LogLevel.ERROR, "Cannot start " + name + ": " + e.getMessage());
      return Optional.of(Status.blocked("Cannot start " + name + ": " + e.getMessage()));
    }
    tools.log(LogLevel.INFO, (current.isPresent() ? "Recreated" : "Created") + " container " + name + " from " + spec.image());
    String version = registryVersion(engine, name);
    if (!version.isEmpty()) {
      tools.applicationVersionSet(version);
    }
    return Optional.empty();
  }

  private static String registryVersion(RegistryContainer engine, String name) {
    try {
      String out = engine.exec(name, List.of("/bin/registry", "--version")).trim();
      String[] words = out.split("\\s+");
      return words.length == 0 ? "" : words[words.length - 1].replaceFirst("^v", "");
    } catch (RuntimeException e) {
      return "";
    }
  }

  private void applyPorts(SortedSet<Integer> wanted) {
    SortedSet<Integer> open = new TreeSet<>();
    for (String entry : tools.openedPorts()) {
      Optional<OpenedPort> port = OpenedPort.parse(entry);
      if (port.isEmpty()) {
        continue;
      }
      if (port.get().protocol().equals("tcp") && wanted.contains(port.get().port())) {
        open.add(port.get().port());
      } else {
        tools.closePort(port.get().port(), port.get().protocol());
      }
    }
    for (int port : wanted) {
      if (!open.contains(port)) {
        tools.openPort(port, "tcp");
      }
    }
  }

  private void applyTrust(Plan plan, Map<String, String> state) {
    String previous = state.get(TRUSTED);
    String wanted = "http".equals(plan.scheme()) ? plan.netloc() : null;
    if (wanted == null ? previous == null : wanted.equals(previous)) {
      return;
    }
    DaemonTrust.Result result = new DaemonTrust(files).ensureInsecure(wanted, previous);
    if (result.problem() != null) {
      tools.log(LogLevel.WARNING, result.problem());
      return;
    }
    if (result.changed()) {
      tools.log(LogLevel.INFO, "Docker engine trusts " + wanted + (result.reloaded() ? " (reloaded)" : " (reload pending)"));
    }
    if (wanted == null) {
      tools.stateDelete(TRUSTED);
    } else {
      tools.stateSet(Map.of(TRUSTED, wanted));
    }
  }

  private boolean filesMatch(Plan plan) {
    for (Plan.FileSpec f : plan.files()) {
      Optional<byte[]> onDisk = files.read(f.path());
      if (onDisk.isEmpty() || !Arrays.equals(onDisk.get(), f.content().getBytes(StandardCharsets.UTF_8))) {
        return false;
      }
    }
    return true;
  }

  private static boolean answers(Plan plan, long timeoutMillis) {
    int port = plan.container().ports().get(0).hostPort();
    return HttpProbe.awaitStatus("127.0.0.1", port, "/", 200, timeoutMillis);
  }

  /** The engine stopped answering: transient, the next hook (update-status at the latest) retries. */
  static Status engineWaiting(EngineUnavailable e) {
    return Status.waiting("Waiting for the Docker engine: " + e.reason());
  }

  private static Status ready(Plan plan) {
    return Status.active("Ready at " + plan.netloc() + " (" + plan.scheme() + ").");
  }

  private static String newSecret() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
