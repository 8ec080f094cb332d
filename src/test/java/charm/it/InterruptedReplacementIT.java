package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A replacement cut short: the hook is killed (machine reboot, agent restart) or loses the engine
 * right after one engine call of the replacement, through an {@link EngineTap} between the unit
 * and the real engine. The next hook must finish or undo it, whatever state the two containers
 * were left in, and the unit must end serving the planned configuration, with no container aside
 * and no "stopped" that no operator asked for.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterruptedReplacementIT {
  static final String CREATE = "^POST /[^ ]*containers/create";
  static final String STOP = "^POST /[^ ]*containers/[^/ ]+/stop";
  static final List<String> LEVELS = List.of("debug", "warn", "error", "info");

  SimUnit unit;
  String image;
  int changes;

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-interrupt");
    unit.assertActive();
    image = unit.netloc() + "/interrupted/tiny:1";
    TestImages.tiny(unit.work, image);
    TestImages.push(image);
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      unit.close();
    }
    Cmd.run("docker", "rmi", image);
  }

  @AfterEach
  void reconnect() throws IOException {
    UnitRoot.connectEngine(unit.root);
  }

  @Test
  void aHookKilledRightAfterTheCreateIsFinishedByItsRetry() throws Exception {
    String before = SimUnit.idAndStart(unit.name);
    String level = nextLevel();
    HookResult killed = killedAfter(CREATE, level);
    assertEquals(137, killed.exitCode(), killed.toString());
    assertEquals("created", state(unit.name), "the new container was created and never started");
    assertEquals("running", state(unit.name + "-previous"), "the old one still serves, aside");

    // A restarted agent runs the interrupted hook again.
    List<HookResult> retried = unit.sim.resolve(SimUnit.UNIT, true);
    retried.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertServesTheNewConfiguration(before, level);
  }

  @Test
  void aHookKilledAfterStoppingTheOldContainerIsFinishedByUpdateStatus() throws Exception {
    String before = SimUnit.idAndStart(unit.name);
    String level = nextLevel();
    HookResult killed = killedAfter(STOP, level);
    assertEquals(137, killed.exitCode(), killed.toString());
    assertEquals("created", state(unit.name));
    assertEquals("exited", state(unit.name + "-previous"), "nothing serves: the old registry was stopped");

    unit.sim.resolve(SimUnit.UNIT, false);
    unit.hook("update-status");
    assertServesTheNewConfiguration(before, level);
  }

  @Test
  void anEngineLostRightAfterTheCreateLeavesWorkThatUpdateStatusFinishes() throws IOException {
    String before = SimUnit.idAndStart(unit.name);
    String level = nextLevel();
    HookResult lost;
    try (EngineTap tap = EngineTap.start(unit.work.resolve("refusing.sock"), CREATE, EngineTap.Cut.REFUSE)) {
      link(tap.socket());
      lost = unit.sim.config(Map.of("log-level", level), List.of()).get(0);
      assertTrue(tap.seen().stream().anyMatch(l -> l.matches(CREATE + ".*")), "the hook got as far as the create: " + tap.seen());
    }
    UnitRoot.connectEngine(unit.root);
    System.out.println(lost + ": " + unit.status().status + " " + unit.status().message);
    assertEquals(0, lost.exitCode(), lost + "\n" + lost.stderr());
    assertEquals("waiting", unit.status().status, "an engine that went away is waited for: " + unit.status().message);
    assertTrue(unit.status().message.startsWith("Waiting for the Docker engine"), unit.status().message);

    unit.hook("update-status");
    assertServesTheNewConfiguration(before, level);
  }

  /** Sets the log level and kills the config-changed hook once the engine answered {@code trigger}. */
  private HookResult killedAfter(String trigger, String level) throws Exception {
    try (EngineTap tap = EngineTap.start(unit.work.resolve("holding.sock"), trigger, EngineTap.Cut.HOLD)) {
      link(tap.socket());
      CompletableFuture<List<HookResult>> hook = CompletableFuture.supplyAsync(() -> unit.sim.config(Map.of("log-level", level), List.of()));
      assertTrue(tap.awaitTripped(Duration.ofSeconds(60)), "the hook never reached " + trigger + ": " + tap.seen());
      assertTrue(unit.sim.killRunningHook(), "the hook was running");
      try {
        return hook.get(60, TimeUnit.SECONDS).get(0);
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("the killed hook did not end", e);
      }
    } finally {
      UnitRoot.connectEngine(unit.root);
    }
  }

  private void assertServesTheNewConfiguration(String before, String level) throws IOException {
    unit.assertActive();
    assertEquals("running", state(unit.name));
    assertNotEquals(before, SimUnit.idAndStart(unit.name), "a new container runs");
    assertTrue(Files.readString(unit.configFile()).contains("level: \"" + level + "\""), "with the new configuration");
    assertEquals("", Cmd.ok("docker", "ps", "-aq", "--filter", "name=^" + unit.name + "-previous").trim(), "nothing is left aside");
    assertTrue(ReconcileSafetyIT.isRegistry(unit.port), "the registry answers");
    assertEquals(0, Cmd.run("docker", "pull", image).exitCode(), "and still has its images");
    String now = SimUnit.idAndStart(unit.name);
    unit.hook("update-status");
    assertEquals(now, SimUnit.idAndStart(unit.name), "the next update-status changes nothing");
  }

  private String nextLevel() {
    return LEVELS.get(changes++ % LEVELS.size());
  }

  private static String state(String container) {
    Cmd c = Cmd.run("docker", "inspect", "-f", "{{.State.Status}}", container);
    return c.exitCode() == 0 ? c.output().trim() : "absent";
  }

  private void link(Path socket) throws IOException {
    Path link = unit.root.resolve("var/run/docker.sock");
    Files.delete(link);
    Files.createSymbolicLink(link, socket);
  }
}
