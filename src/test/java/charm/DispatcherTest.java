package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.actions.ContainerActions;
import charm.actions.ImageActions;
import charm.actions.RegistryActions;
import charm.juju.JujuContext;
import charm.registry.Owner;
import charm.workload.DockerEngineInstaller;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DispatcherTest {
  @TempDir Path root;

  private final RecordingHookTools tools = new RecordingHookTools();

  private Dispatcher dispatcher() {
    return dispatcher(tools, "docker-registry/0");
  }

  /** A dispatcher whose Docker seam fails the test when touched. */
  private Dispatcher dispatcher(RecordingHookTools tools, String unit) {
    HostFiles files = new HostFiles(root);
    Supplier<RegistryContainer> docker = () -> {
      throw new AssertionError("no Docker for this event");
    };
    Reconciler reconciler = new Reconciler(tools, docker, files, new Owner("model-uuid", "docker-registry", unit));
    return new Dispatcher(
        tools,
        reconciler,
        new Lifecycle(tools, docker, files, reconciler),
        new ContainerActions(tools, docker, reconciler),
        new ImageActions(tools, () -> {
          throw new AssertionError("no Docker for this event");
        }, reconciler),
        new RegistryActions(tools, docker, files, reconciler),
        new DockerEngineInstaller(root.resolve("docker.sock")));
  }

  private static JujuContext event(String dispatchPath) {
    return JujuContext.fromEnv(Map.of("JUJU_DISPATCH_PATH", dispatchPath, "JUJU_UNIT_NAME", "docker-registry/0"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hooks/collect-metrics", "hooks/secret-changed", "hooks/data-storage-attached", "hooks/db-relation-joined"})
  void hooksTheCharmDoesNotHandleExitZeroAndTouchNothing(String path) {
    assertEquals(0, dispatcher().run(event(path)));
    assertEquals(List.of(), tools.calls);
  }

  @Test
  void unknownActionFailsWithAReason() {
    assertEquals(0, dispatcher().run(event("actions/frobnicate")));
    assertEquals(List.of("action-get", "action-fail"), tools.calls);
    assertTrue(tools.failure.contains("Unknown action \"frobnicate\""), tools.failure);
  }

  @Test
  void invalidConfigBlocksWithoutTouchingDocker() {
    tools.config.put("log-level", "loud");
    assertEquals(0, dispatcher().run(event("hooks/config-changed")));
    assertEquals("blocked", tools.status.kind().word());
    assertTrue(tools.status.message().startsWith("Invalid charm config: log-level"), tools.status.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"push", "images", "rmi", "start", "stop", "catalog", "delete", "garbage-collect", "prune", "usage"})
  void everyActionFailsNotReadyBeforeTheRegistryIsConfigured(String action) {
    tools.config.put("storage-cache", "redis");
    tools.params.put("image", "it/a:1");
    assertEquals(0, dispatcher().run(event("actions/" + action)));
    assertTrue(tools.failure.startsWith("Registry not yet ready: Invalid charm config: storage-cache"), tools.failure);
  }

  @Test
  void optionsOverriddenForOneProcessLeaveJujusConfigAlone() {
    HostFiles files = new HostFiles(root);
    Reconciler reconciler = new Reconciler(tools, () -> {
      throw new AssertionError("no Docker");
    }, files, new Owner("model-uuid", "docker-registry", "docker-registry/0"));
    assertTrue(reconciler.readWith(Map.of("storage-read-only", true)).config().storageReadOnly());
    assertFalse(reconciler.read().config().storageReadOnly());
    assertFalse(tools.config.containsKey("storage-read-only"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"push", "images", "catalog", "delete", "garbage-collect", "prune", "usage"})
  void everyActionFailsNotReadyWhileTheSecretIsNotShared(String action) {
    tools.params.put("image", "it/a:1");
    assertEquals(0, dispatcher().run(event("actions/" + action)));
    assertEquals("Registry not yet ready: Waiting for the leader to share the http secret", tools.failure);
  }

  @ParameterizedTest
  @ValueSource(strings = {"actions/images:--format {{.ID}}", "actions/rmi:--all-tags", "actions/images:-a; rm -rf /"})
  void imageActionsAcceptOnlySafeOptions(String actionAndOptions) {
    String[] parts = actionAndOptions.split(":", 2);
    tools.leaderSettings.put("http-secret", "c2VjcmV0");
    tools.params.put("options", parts[1]);
    tools.params.put("image", "x");
    assertEquals(0, dispatcher().run(event(parts[0])));
    assertTrue(tools.failure.startsWith("Unsupported "), tools.failure);
    assertTrue(tools.failure.contains("accepted: "), tools.failure);
  }

  @Test
  void pushRejectsAnInvalidReferenceBeforeTouchingDocker() {
    tools.leaderSettings.put("http-secret", "c2VjcmV0");
    tools.params.put("image", "Not A Valid/Ref");
    dispatcher().run(event("actions/push"));
    assertTrue(tools.failure.contains("is not a valid image reference"), tools.failure);
  }

  @Test
  void theLeaderSharesTheHttpSecretThroughThePeerRelationOnceAndFollowersWait() {
    tools.config.put("log-level", "loud"); // blocked: stops before Docker
    tools.leader = true;
    tools.peerApp = new HashMap<>();
    dispatcher().run(event("hooks/leader-elected"));
    String secret = tools.peerApp.get("http-secret");
    assertEquals(32, java.util.Base64.getDecoder().decode(secret).length);
    dispatcher().run(event("hooks/leader-elected"));
    assertEquals(secret, tools.peerApp.get("http-secret"), "generated once");
    assertEquals(List.of(), tools.leaderSets, "never through leader-set, whose argv ps shows");

    RecordingHookTools follower = new RecordingHookTools();
    follower.peerApp = new HashMap<>();
    dispatcher(follower, "docker-registry/1").run(event("hooks/config-changed"));
    assertEquals("waiting", follower.status.kind().word(), "no secret shared yet");
    follower.peerApp.put("http-secret", secret);
    follower.config.put("log-level", "loud");
    dispatcher(follower, "docker-registry/1").run(event("hooks/config-changed"));
    assertEquals("blocked", follower.status.kind().word(), "past the secret, stopped by the bad option");
  }

  @Test
  void aSecretInLeaderSettingsMovesToThePeerRelationUnchangedAndIsDeletedOnceCommitted() {
    tools.config.put("log-level", "loud");
    tools.leader = true;
    tools.peerApp = new HashMap<>();
    tools.leaderSettings.put("http-secret", "b2xkLXNlY3JldA==");
    dispatcher().run(event("hooks/upgrade-charm"));
    assertEquals("b2xkLXNlY3JldA==", tools.peerApp.get("http-secret"), "the same secret: no registry restart");
    assertEquals("b2xkLXNlY3JldA==", tools.leaderSettings.get("http-secret"), "kept until the peer data is committed");

    RecordingHookTools follower = new RecordingHookTools();
    follower.peerApp = new HashMap<>();
    follower.leaderSettings.put("http-secret", "b2xkLXNlY3JldA==");
    follower.config.put("log-level", "loud");
    dispatcher(follower, "docker-registry/1").run(event("hooks/leader-settings-changed"));
    assertEquals("blocked", follower.status.kind().word(), "a follower uses the old setting meanwhile");

    dispatcher().run(event("hooks/config-changed"));
    assertEquals(null, tools.leaderSettings.get("http-secret"), "deleted in a later hook");
    assertEquals(List.of(Map.of("http-secret", "")), tools.leaderSets, "only a delete, never the value");
    dispatcher().run(event("hooks/update-status"));
    assertEquals(List.of(Map.of("http-secret", "")), tools.leaderSets, "deleted once");
  }
}
