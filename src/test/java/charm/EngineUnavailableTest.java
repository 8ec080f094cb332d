package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.actions.ContainerActions;
import charm.actions.ImageActions;
import charm.actions.RegistryActions;
import charm.juju.JujuContext;
import charm.registry.ContainerSpec;
import charm.registry.Owner;
import charm.workload.ContainerState;
import charm.workload.DockerClients;
import charm.workload.DockerEngineInstaller;
import charm.workload.DockerImages;
import charm.workload.EngineUnavailable;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An engine that stops answering in the middle of a hook: the hook reports {@code waiting} and
 * exits 0, an action fails with the reason.
 */
class EngineUnavailableTest {
  static final String REASON = "did not answer within 10 s (GET /containers/json)";

  @TempDir Path root;
  final RecordingHookTools tools = new RecordingHookTools();
  /** Operations of the stalled engine that throw; the others answer as an empty engine would. */
  Set<String> stalls = Set.of("managedContainers", "inspect", "imagePresent", "pull", "create", "start", "stop", "rename", "remove", "exec");

  @BeforeEach
  void configured() {
    tools.leaderSettings.put("http-secret", "c2VjcmV0");
  }

  private Dispatcher dispatcher() {
    HostFiles files = new HostFiles(root);
    Reconciler reconciler = new Reconciler(tools, StalledEngine::new, files, new Owner("model-uuid", "docker-registry", "docker-registry/0"));
    return new Dispatcher(
        tools,
        reconciler,
        new Lifecycle(tools, StalledEngine::new, files, reconciler),
        new ContainerActions(tools, StalledEngine::new, reconciler),
        // A real client on a socket that is not there.
        new ImageActions(tools, () -> new DockerImages(DockerClients.connect(root.resolve("var/run/docker.sock"))), reconciler),
        new RegistryActions(tools, StalledEngine::new, files, reconciler),
        new DockerEngineInstaller(root.resolve("docker.sock")));
  }

  private static JujuContext event(String dispatchPath) {
    return JujuContext.fromEnv(Map.of("JUJU_DISPATCH_PATH", dispatchPath, "JUJU_UNIT_NAME", "docker-registry/0"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"config-changed", "update-status", "start", "upgrade-charm", "post-series-upgrade"})
  void hooksWaitForTheEngineAndExitZero(String hook) {
    assertEquals(0, dispatcher().run(event("hooks/" + hook)));
    assertEquals("waiting", tools.status.kind().word());
    assertEquals("Waiting for the Docker engine: " + REASON, tools.status.message());
  }

  @Test
  void aPullThatTheEngineCutsOffWaitsInsteadOfBlocking() {
    stalls = Set.of("pull");
    assertEquals(0, dispatcher().run(event("hooks/config-changed")));
    assertEquals("Waiting for the Docker engine: " + REASON, tools.status.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"stop", "remove"})
  void teardownCarriesOnWithoutTheEngine(String hook) {
    assertEquals(0, dispatcher().run(event("hooks/" + hook)));
    assertTrue(tools.calls.contains("opened-ports"), "ports are still closed: " + tools.calls);
  }

  @Test
  void preSeriesUpgradeCarriesOnWithoutTheEngine() {
    assertEquals(0, dispatcher().run(event("hooks/pre-series-upgrade")));
    assertEquals("true", tools.state.get(Reconciler.SERIES_UPGRADE));
    assertEquals("Series upgrade in progress", tools.status.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"start", "stop"})
  void containerActionsFailWithTheReason(String action) {
    assertEquals(0, dispatcher().run(event("actions/" + action)));
    assertTrue(tools.failure != null && tools.failure.contains("Docker engine " + REASON), tools.failure);
    assertFalse(tools.state.containsKey(Reconciler.STOPPED), "a stop that did not happen is not recorded");
  }

  @ParameterizedTest
  @ValueSource(strings = {"images", "rmi", "push"})
  void imageActionsFailWithTheReason(String action) {
    tools.params.put("image", "it/a:1");
    assertEquals(0, dispatcher().run(event("actions/" + action)));
    assertTrue(tools.failure != null && tools.failure.contains("Docker engine socket " + root.resolve("var/run/docker.sock")), tools.failure);
  }

  @Test
  void aDockerErrorThatIsNotAnOutageStillFailsTheHook() {
    stalls = Set.of();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> dispatcher().run(event("hooks/config-changed")));
    assertEquals("the engine said no", e.getMessage());
  }

  /** Answers the ping, then stops answering: every operation in {@link #stalls} throws. */
  final class StalledEngine implements RegistryContainer {
    private <T> T stall(String operation, T answer) {
      if (stalls.contains(operation)) {
        throw new EngineUnavailable(REASON);
      }
      return answer;
    }

    @Override
    public boolean engineAnswers() {
      return true;
    }

    @Override
    public Optional<ContainerState> inspect(String name) {
      return stall("inspect", Optional.empty());
    }

    @Override
    public List<String> managedContainers(Owner owner) {
      return stall("managedContainers", List.of());
    }

    @Override
    public Optional<String> imageId(String image) {
      return stall("imagePresent", Optional.empty());
    }

    @Override
    public List<String> load(Path tarball, Consumer<String> progress) {
      return stall("load", List.of());
    }

    @Override
    public void pull(String image, Consumer<String> progress) {
      stall("pull", null);
    }

    @Override
    public String create(ContainerSpec spec) {
      stall("create", null);
      throw new IllegalStateException("the engine said no");
    }

    @Override
    public boolean start(String name) {
      return stall("start", true);
    }

    @Override
    public void stop(String name, int timeoutSeconds) {
      stall("stop", null);
    }

    @Override
    public void rename(String name, String newName) {
      stall("rename", null);
    }

    @Override
    public void remove(String name) {
      stall("remove", null);
    }

    @Override
    public List<String> logTail(String name, int lines) {
      return stall("logTail", List.of());
    }

    @Override
    public String exec(String name, List<String> command) {
      return stall("exec", "");
    }

    @Override
    public int exec(String name, List<String> command, java.time.Duration timeout, OutputLines lines) {
      return stall("exec", 0);
    }

    @Override
    public void close() {}
  }
}
