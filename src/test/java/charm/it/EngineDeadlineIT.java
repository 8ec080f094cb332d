package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.workload.FakeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Model;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * "Never hang": the unit's engine socket is swapped for one that accepts connections and never
 * answers. Hooks must give up on it within their deadline, report waiting and exit 0, and the unit
 * must come back once the real engine is there again.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("timing") // runs alone (pom.xml): its assertions are about time (hooks give up within a bound)
class EngineDeadlineIT {
  static final String UNIT = "docker-registry/0";
  /** The socket GET deadline is 10 s; a hook may spend it once or twice, plus a JVM start. */
  static final long HOOK_BOUND_MILLIS = 25_000;

  Path work;
  Path root;
  Sim sim;
  String name;
  FakeEngine silent;

  @BeforeAll
  void deploy() throws IOException {
    work = Files.createTempDirectory("deadline-it");
    root = UnitRoot.create(work.resolve("root"));
    name = "it-h3-" + UUID.randomUUID().toString().substring(0, 8);
    // A hook that hangs anyway fails this test after a minute instead of the default ten.
    SimOptions options = SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()).hookTimeout(Duration.ofSeconds(60));
    sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, options);
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", RegistryCharmIT.freePort());
    sim.deploy(1).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", status().status, status().message);
  }

  @AfterAll
  void cleanUp() throws IOException {
    try {
      if (silent != null) {
        silent.close();
      }
      if (sim != null) {
        UnitRoot.connectEngine(root);
        SimUnit.destroyAndCheck(sim, root);
      }
    } finally {
      Cmd.run("docker", "rm", "-fv", name);
      Cmd.run("rm", "-rf", work.toString());
    }
  }

  @Test
  void hooksGiveUpOnAnEngineThatNeverAnswersAndTheUnitRecovers() throws IOException {
    String before = containerIdAndStart();
    silent = FakeEngine.start(work.resolve("silent.sock"), FakeEngine.SILENT);
    Path link = root.resolve("var/run/docker.sock");
    Files.delete(link);
    Files.createSymbolicLink(link, silent.socket());

    // A config change leaves work for the engine, so update-status cannot take its fast path.
    List<HookResult> changed = sim.config(Map.of("log-level", "debug"), List.of());
    assertEquals(List.of("config-changed"), changed.stream().map(HookResult::hook).toList());
    assertGaveUpInTime(changed.get(0));
    assertGaveUpInTime(sim.hook(UNIT, "update-status"));
    assertTrue(silent.connections() >= 2, "the hooks did reach the silent engine: " + silent.requests());

    UnitRoot.connectEngine(root);
    HookResult recovered = sim.hook(UNIT, "update-status");
    assertEquals(0, recovered.exitCode(), recovered.stderr());
    assertEquals("active", status().status, status().message);
    assertNotEquals(before, containerIdAndStart(), "the pending log-level change was applied");
  }

  private void assertGaveUpInTime(HookResult hook) {
    System.out.println(hook + ": " + status().status + " " + status().message);
    assertEquals(0, hook.exitCode(), hook + "\n" + hook.stderr());
    assertTrue(hook.millis() < HOOK_BOUND_MILLIS, hook.toString());
    assertEquals("waiting", status().status, hook + ": " + status().message);
    assertTrue(status().message.startsWith("Waiting for the Docker engine"), status().message);
  }

  private Model.StatusInfo status() {
    return sim.unitStatus(UNIT);
  }

  private String containerIdAndStart() {
    return Cmd.ok("docker", "inspect", "-f", "{{.Id}} {{.State.StartedAt}}", name).trim();
  }
}
