package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The reconcile's safety rules on the real engine: it touches only its own containers, never
 * leaves the unit worse than before a hook, and reports only what it verified. Each test first
 * reproduced a hole found by an adversarial run.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcileSafetyIT {
  SimUnit unit;

  @BeforeAll
  void deploy() {
    unit = SimUnit.deploy("it-safety");
    unit.assertActive();
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      unit.close();
    }
  }

  // ---- ownership ---------------------------------------------------------------------------

  @Test
  void aContainerThisCharmDidNotCreateIsRefusedNeverRemoved() {
    String stranger = "it-stranger-" + UUID.randomUUID().toString().substring(0, 8);
    Cmd.ok("docker", "run", "-d", "--name", stranger, "-v", "/data", "registry:2");
    try {
      String strangerBefore = SimUnit.idAndStart(stranger);
      String volume = Cmd.ok("docker", "inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/data\"}}{{.Name}}{{end}}{{end}}", stranger).trim();
      String oursBefore = SimUnit.idAndStart(unit.name);

      unit.config(Map.of("registry-name", stranger), List.of());
      assertEquals("blocked", unit.status().status);
      assertEquals("a container named " + stranger + " exists that this charm does not manage; remove or rename it, or choose another registry-name",
          unit.status().message);
      assertEquals(strangerBefore, SimUnit.idAndStart(stranger), "the stranger's container is untouched");
      assertEquals(0, Cmd.run("docker", "volume", "inspect", volume).exitCode(), "and so is its volume");
      assertEquals(oursBefore, SimUnit.idAndStart(unit.name), "our registry keeps serving meanwhile");
      assertTrue(isRegistry(unit.port));

      unit.hook("update-status");
      assertEquals(strangerBefore, SimUnit.idAndStart(stranger));
      assertEquals("blocked", unit.status().status);

      unit.config(Map.of("registry-name", unit.name), List.of());
      unit.assertActive();
      assertEquals(oursBefore, SimUnit.idAndStart(unit.name));
      assertEquals(strangerBefore, SimUnit.idAndStart(stranger));
    } finally {
      Cmd.run("docker", "rm", "-fv", stranger);
    }
  }

  @Test
  void twoModelsWithTheSameUnitNameOnOneEngineLeaveEachOtherAlone() {
    try (SimUnit other = SimUnit.deploy("it-other-model")) {
      other.assertActive();
      String otherBefore = SimUnit.idAndStart(other.name);
      assertEquals(SimUnit.UNIT, other.sim.units().get(0), "the same unit name in both models");
      unit.hook("config-changed");
      unit.hook("update-status");
      unit.config(Map.of("log-level", "debug"), List.of());
      unit.assertActive();
      unit.config(Map.of(), List.of("log-level"));
      unit.assertActive();
      assertEquals(otherBefore, SimUnit.idAndStart(other.name), "the other model's registry was not touched");
      assertTrue(isRegistry(other.port));
      String oursBefore = SimUnit.idAndStart(unit.name);
      SimUnit.destroyAndCheck(other.sim, other.root); // stop and remove hooks in the other model
      assertEquals("", SimUnit.idAndStart(other.name), "the other model removed its own container");
      assertEquals(oursBefore, SimUnit.idAndStart(unit.name), "and left ours alone");
    }
    unit.hook("update-status");
    unit.assertActive();
  }

  @Test
  void theStopMarkAppliesOnlyToTheContainerItStopped() {
    assertEquals("completed", unit.sim.runAction(SimUnit.UNIT, "stop", Map.of()).status);
    assertEquals("blocked", unit.status().status);
    unit.config(Map.of("registry-name", unit.name + "-renamed"), List.of());
    unit.assertActive();
    unit.config(Map.of("registry-name", unit.name), List.of());
    unit.assertActive();
    assertEquals("true", Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", unit.name).trim());
    assertEquals("", SimUnit.idAndStart(unit.name + "-renamed"), "the renamed container is gone");
    assertFalse(unit.sim.unitState(SimUnit.UNIT).containsKey("stopped-container"));
  }

  @Test
  void theOldCharmsContainerIsAdoptedByItsMountsAndReplaced() throws IOException {
    String legacy = "it-legacy-" + UUID.randomUUID().toString().substring(0, 8);
    int legacyPort = RegistryCharmIT.freePort();
    // What the reactive charm ran: docker run -v config.yml -v /srv/registry, no labels.
    Cmd.ok("docker", "run", "-d", "--name", legacy, "--restart", "unless-stopped", "-p", legacyPort + ":5000",
        "-v", unit.configFile() + ":/etc/docker/registry/config.yml",
        "-v", unit.root.resolve("srv/registry") + ":/var/lib/registry", "-v", "/extra", "registry:2");
    String volume = Cmd.ok("docker", "inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/extra\"}}{{.Name}}{{end}}{{end}}", legacy).trim();
    try {
      String legacyId = SimUnit.idAndStart(legacy);
      unit.config(Map.of("registry-name", legacy), List.of());
      unit.assertActive();
      assertNotEquals(legacyId, SimUnit.idAndStart(legacy), "replaced by a container of ours");
      assertEquals(unit.sim.model().modelUuid,
          Cmd.ok("docker", "inspect", "-f", "{{index .Config.Labels \"charm.docker-registry.model-uuid\"}}", legacy).trim());
      assertEquals("", SimUnit.idAndStart(unit.name), "our container under the old name is gone");
      assertEquals(0, Cmd.run("docker", "volume", "inspect", volume).exitCode(), "volumes are never removed");
      assertTrue(isRegistry(unit.port));
    } finally {
      Cmd.run("docker", "rm", "-f", legacy);
      Cmd.run("docker", "volume", "rm", volume);
      unit.config(Map.of("registry-name", unit.name), List.of());
    }
    unit.assertActive();
  }

  /**
   * A container that looks like the previous charm's (the unit's config.yml) but keeps its images
   * in a Docker volume, not in the unit's /srv/registry: adopting it would replace it with a
   * registry that does not have them.
   */
  @Test
  void aContainerKeepingItsImagesInAVolumeIsNotAdopted() throws IOException {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String legacy = "it-legacy-volume-" + suffix;
    String volume = "it-legacy-images-" + suffix;
    int legacyPort = RegistryCharmIT.freePort();
    Cmd.ok("docker", "run", "-d", "--name", legacy, "--restart", "unless-stopped", "-p", legacyPort + ":5000",
        "-v", unit.configFile() + ":/etc/docker/registry/config.yml", "-v", volume + ":/var/lib/registry", "registry:2");
    String image = "127.0.0.1:" + legacyPort + "/legacy/tiny:1";
    try {
      Http.await("http://127.0.0.1:" + legacyPort + "/v2/", code -> code == 200, java.time.Duration.ofSeconds(20));
      TestImages.tiny(unit.work, image);
      TestImages.push(image);
      String legacyBefore = SimUnit.idAndStart(legacy);
      String oursBefore = SimUnit.idAndStart(unit.name);
      String source = Cmd.ok("docker", "volume", "inspect", "-f", "{{.Mountpoint}}", volume).trim();

      unit.config(Map.of("registry-name", legacy), List.of());
      assertEquals("blocked", unit.status().status);
      assertEquals("container " + legacy + " keeps its images in " + source + " (a Docker volume), not in /srv/registry; it is left running: "
          + "move them to /srv/registry and remove it, or choose another registry-name", unit.status().message);
      assertEquals(legacyBefore, SimUnit.idAndStart(legacy), "the container is untouched");
      assertEquals(200, Http.status("http://127.0.0.1:" + legacyPort + "/v2/legacy/tiny/manifests/1"), "and still serves its images");
      assertEquals(oursBefore, SimUnit.idAndStart(unit.name), "our registry keeps serving meanwhile");
    } finally {
      Cmd.run("docker", "rm", "-f", legacy);
      Cmd.run("docker", "volume", "rm", volume);
      Cmd.run("docker", "rmi", image);
      unit.config(Map.of("registry-name", unit.name), List.of());
    }
    unit.assertActive();
  }

  /**
   * A container under our name with every label of ours, the spec hash too, that runs another
   * registry (here the image's own configuration: no auth, no TLS, no storage of ours): labels can
   * be copied, so the charm compares what the container mounts and runs, and leaves it alone.
   */
  @Test
  void anImpostorCopyingOurLabelsIsNotReportedAsOurs() throws IOException {
    Map<String, String> labels = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
        Cmd.ok("docker", "inspect", "-f", "{{json .Config.Labels}}", unit.name), new com.fasterxml.jackson.core.type.TypeReference<>() {});
    assertTrue(labels.containsKey("charm.docker-registry.spec-hash"), labels.toString());
    List<String> run = new ArrayList<>(List.of("docker", "run", "-d", "--name", unit.name, "-p", unit.port + ":5000"));
    labels.forEach((k, v) -> run.addAll(List.of("--label", k + "=" + v)));
    run.add("registry:2");
    unit.hook("update-status");
    unit.assertActive();
    Cmd.ok("docker", "rm", "-f", unit.name);
    Cmd.ok(run.toArray(String[]::new));
    try {
      String impostor = SimUnit.idAndStart(unit.name);
      Poll.until(java.time.Duration.ofSeconds(20), () -> isRegistry(unit.port), () -> "the impostor serves");
      unit.hook("update-status");
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertEquals("container " + unit.name + " carries this unit's labels but not the planned registry (mounts differ); "
          + "the charm does not touch it: remove it", unit.status().message);
      unit.hook("config-changed");
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertEquals(impostor, SimUnit.idAndStart(unit.name), "the charm did not touch it");
    } finally {
      Cmd.run("docker", "rm", "-f", unit.name);
    }
    unit.hook("update-status");
    unit.assertActive();
  }

  /** {@code docker pause} is an operator's act, like a stop: reported as such, not undone. */
  @Test
  void aPausedRegistryIsReportedPausedAndLeftPaused() {
    Cmd.ok("docker", "pause", unit.name);
    try {
      unit.hook("update-status");
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertEquals(unit.name + " container is paused; docker unpause " + unit.name + " resumes it", unit.status().message);
      unit.hook("config-changed");
      assertEquals(unit.name + " container is paused; docker unpause " + unit.name + " resumes it", unit.status().message);
      assertEquals("paused", Cmd.ok("docker", "inspect", "-f", "{{.State.Status}}", unit.name).trim());
    } finally {
      Cmd.run("docker", "unpause", unit.name);
    }
    unit.hook("update-status");
    unit.assertActive();
  }

  /**
   * Juju refuses open-port for a port another unit on the same machine opened (exit 1, "port
   * range conflicts with …"): no failed hook, the unit says which port and why, and opens it once
   * the other unit let it go. Juju's refusal comes from an open-port that answers as Juju does for
   * that one port (the simulator's own tool for every other call).
   */
  @Test
  void aPortAnotherUnitOnTheMachineOpenedBlocksWithoutAFailedHook() throws IOException {
    int held = RegistryCharmIT.freePort();
    Path tools = unit.sim.unitDir(SimUnit.UNIT).resolve("tools");
    Path wrapped = Files.createDirectories(unit.work.resolve("held-port-tools"));
    Path openPort = wrapped.resolve("open-port");
    Files.writeString(openPort, "#!/bin/sh\ncase \"$1\" in " + held + "/*) echo 'ERROR cannot open " + held
        + "/tcp (unit \"docker-registry/0\"): port range conflicts with " + held + "/tcp (unit \"other/0\")' >&2; exit 1;; esac\n"
        + "exec " + tools.resolve("open-port") + " \"$@\"\n");
    assertTrue(openPort.toFile().setExecutable(true));
    unit.sim.model().env.put("PATH", wrapped + ":" + tools + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    try {
      unit.config(Map.of("registry-port", held), List.of());
      String expected = "Cannot open " + held + "/tcp (port range conflicts with " + held + "/tcp (unit \"other/0\")): "
          + "another unit on this machine opened it; choose another registry-port";
      assertEquals("blocked", unit.status().status, unit.status().message);
      assertEquals(expected, unit.status().message);
      assertTrue(isRegistry(held), "the registry serves on it: only Juju's record of the port is refused");
      assertEquals(List.of(), unit.sim.openedPorts(SimUnit.UNIT));
      unit.hook("update-status");
      assertEquals(expected, unit.status().message, "update-status does not call it ready");
    } finally {
      unit.sim.model().env.remove("PATH");
    }
    unit.hook("update-status");
    unit.assertActive();
    assertEquals(List.of(held + "/tcp"), unit.sim.openedPorts(SimUnit.UNIT), "opened once the other unit let it go");
    unit.config(Map.of("registry-port", unit.port), List.of());
    unit.assertActive();
  }

  // ---- never worse than before the hook ------------------------------------------------------

  @Test
  void aPortInUseRollsBackToThePreviousContainer() throws IOException {
    String before = containerId(unit.name);
    int busy = RegistryCharmIT.freePort();
    try (ServerSocket squatter = new ServerSocket(busy)) {
      unit.config(Map.of("registry-port", busy), List.of());
      assertEquals("blocked", unit.status().status);
      assertTrue(unit.status().message.startsWith("Cannot start " + unit.name + ": "), unit.status().message);
      assertTrue(unit.status().message.endsWith("(previous container kept)"), unit.status().message);
      assertEquals(before, containerId(unit.name), "the previous container is back");
      assertTrue(isRegistry(unit.port), "and serves on its port");
      assertEquals(List.of(unit.port + "/tcp"), unit.sim.openedPorts(SimUnit.UNIT), "ports follow what runs");
    }
    String kept = SimUnit.idAndStart(unit.name);
    unit.hook("update-status");
    assertTrue(unit.status().message.contains("update-status tries again at "), unit.status().message);
    assertEquals(kept, SimUnit.idAndStart(unit.name), "update-status does not try the same spec again at once");
    unit.hook("config-changed");
    unit.assertActive();
    assertTrue(isRegistry(busy), "applied by config-changed once the port is free");
    unit.config(Map.of("registry-port", unit.port), List.of());
    unit.assertActive();
  }

  /**
   * Images whose registry cannot start: each rolls back to the previous container, and the status
   * says what the new container did (the engine refused it, it exited with a code after so long,
   * with the registry's own error, or it ran and did not answer) rather than a time-out for all.
   */
  @Test
  void aBrokenImageRollsBackToThePreviousContainerAndSaysWhatHappened() {
    String suffix = ":" + UUID.randomUUID().toString().substring(0, 8);
    String base = "it-commit-" + UUID.randomUUID().toString().substring(0, 8);
    String restarted = "(exited with code %1$s after [0-9.]+ s and was restarted|kept restarting \\(exit code %1$s after [0-9.]+ s, [0-9]+ restarts\\))";
    // image -> its change to registry:2 and the status after "Cannot start <name>: "
    Map<String, List<String>> images = new java.util.LinkedHashMap<>();
    images.put("it/broken-registry" + suffix, List.of("ENTRYPOINT [\"/bin/registry\", \"no-such-command\"]",
        "the new container " + restarted.formatted("0") + ": Error: unknown command \"no-such-command\" for \"registry\""));
    images.put("it-cmd-config-missing" + suffix, List.of("ENTRYPOINT [\"/bin/registry\", \"serve\", \"/no/such/config.yml\"]",
        "the new container " + restarted.formatted("1") + ": configuration error: open /no/such/config.yml: no such file or directory"));
    images.put("it/no-binary" + suffix, List.of("ENTRYPOINT [\"/no/such/binary\"]",
        ".*exec: \"/no/such/binary\": stat /no/such/binary: no such file or directory.*"));
    images.put("it-cmd-silent" + suffix, List.of("ENV REGISTRY_HTTP_ADDR=:6000", // runs, listening where nothing is published
        "the registry did not answer on port " + unit.port + " within 20 s"));
    Cmd.ok("docker", "create", "--name", base, "registry:2");
    try {
      images.forEach((image, change) -> Cmd.ok("docker", "commit", "--change", change.get(0), base, image));
      images.forEach((image, change) -> {
        String before = containerId(unit.name);
        unit.config(Map.of("registry-image", image), List.of());
        assertEquals("blocked", unit.status().status, image);
        String expected = java.util.regex.Pattern.quote("Cannot start " + unit.name + ": ") + change.get(1)
            + java.util.regex.Pattern.quote(" (previous container kept)");
        assertTrue(unit.status().message.matches(expected), image + ": " + unit.status().message + "\n does not match " + expected);
        assertEquals(before, containerId(unit.name), image + ": the previous container is back");
        assertEquals("true", Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", unit.name).trim());
        assertTrue(isRegistry(unit.port));
        String back = SimUnit.idAndStart(unit.name);
        unit.config(Map.of(), List.of("registry-image"));
        unit.assertActive();
        assertEquals(back, SimUnit.idAndStart(unit.name), "back at the plan it already runs: untouched");
      });
    } finally {
      unit.sim.config(Map.of(), List.of("registry-image"));
      Cmd.run("docker", "rm", "-fv", base);
      images.keySet().forEach(image -> Cmd.run("docker", "rmi", image));
    }
  }

  /**
   * A spec that failed is not tried again by every update-status (each try stops the kept
   * registry while the new one fails): only once an hour, while config-changed tries at once.
   */
  @Test
  void aFailedReplacementIsRetriedByUpdateStatusAtMostOnceAnHour() {
    String image = "it-cmd-unknown:" + UUID.randomUUID().toString().substring(0, 8);
    String base = "it-commit-" + UUID.randomUUID().toString().substring(0, 8);
    Cmd.ok("docker", "create", "--name", base, "registry:2");
    try {
      Cmd.ok("docker", "commit", "--change", "ENTRYPOINT [\"/bin/registry\", \"no-such-command\"]", base, image);
      unit.config(Map.of("registry-image", image), List.of());
      String failed = unit.status().message;
      assertTrue(failed.endsWith("(previous container kept)"), failed);
      String kept = SimUnit.idAndStart(unit.name);

      unit.hook("update-status");
      assertEquals(kept, SimUnit.idAndStart(unit.name), "update-status left the kept registry alone");
      assertEquals("blocked", unit.status().status);
      assertTrue(unit.status().message.matches(java.util.regex.Pattern.quote(failed) + "; update-status tries again at [0-9]{2}:[0-9]{2} UTC, config-changed at once"),
          unit.status().message);
      assertTrue(isRegistry(unit.port));

      // An hour later (the mark's time moved back), update-status tries once more.
      Map<String, String> state = unit.sim.model().units.get(SimUnit.UNIT).state;
      String mark = state.get("failed-replacement");
      long at = Long.parseLong(mark.replaceAll(".*\"at\":([0-9]+).*", "$1"));
      state.put("failed-replacement", mark.replace("\"at\":" + at, "\"at\":" + (at - 3601)));
      unit.hook("update-status");
      assertNotEquals(kept, SimUnit.idAndStart(unit.name), "the kept registry was stopped for the try and started again");
      assertTrue(unit.status().message.matches("Cannot start .*\\(previous container kept\\)"), unit.status().message);
      kept = SimUnit.idAndStart(unit.name);
      unit.hook("update-status");
      assertEquals(kept, SimUnit.idAndStart(unit.name), "and the hour starts again");

      unit.hook("config-changed");
      assertNotEquals(kept, SimUnit.idAndStart(unit.name), "config-changed tries at once");
      assertTrue(unit.status().message.matches("Cannot start .*\\(previous container kept\\)"), unit.status().message);
    } finally {
      unit.sim.config(Map.of(), List.of("registry-image"));
      Cmd.run("docker", "rm", "-fv", base);
      Cmd.run("docker", "rmi", image);
    }
    unit.assertActive();
    assertFalse(unit.sim.unitState(SimUnit.UNIT).containsKey("failed-replacement"), "a replacement that works clears the mark");
  }

  @Test
  void aDeletedConfigFileComesBackAsAFileAndTheRegistryRestarts() throws IOException {
    Files.delete(unit.configFile());
    Cmd restart = Cmd.run("docker", "restart", unit.name); // as after a reboot or a daemon restart
    assertNotEquals(0, restart.exitCode(), "the engine refuses a missing bind source: " + restart.output());
    assertFalse(Files.isDirectory(unit.configFile()), "and does not create a directory in its place");
    unit.hook("update-status");
    unit.assertActive();
    assertTrue(Files.isRegularFile(unit.configFile()));
    assertTrue(isRegistry(unit.port));
  }

  @Test
  void aDirectoryWhereConfigYmlBelongsIsRepairedOrNamed() throws IOException {
    Files.delete(unit.configFile());
    Files.createDirectory(unit.configFile()); // what Docker's -v leaves for a missing bind source
    Cmd restart = Cmd.run("docker", "restart", unit.name);
    assertNotEquals(0, restart.exitCode(), "a directory cannot be mounted on the config file: " + restart.output());
    unit.hook("update-status");
    unit.assertActive();
    assertTrue(Files.isRegularFile(unit.configFile()), "an empty directory is replaced by the file");

    String before = SimUnit.idAndStart(unit.name);
    Files.delete(unit.configFile());
    Files.createDirectories(unit.configFile().resolve("somebody's"));
    HookResult h = unit.hook("config-changed");
    assertFalse(h.stderr().contains("Exception"), h.stderr());
    assertEquals("blocked", unit.status().status);
    assertEquals("/etc/docker/registry/config.yml is a directory; remove it so the charm can write the file", unit.status().message);
    assertEquals(before, SimUnit.idAndStart(unit.name), "the running registry is left alone");
    Cmd.ok("rm", "-rf", unit.configFile().toString());
    unit.hook("update-status");
    unit.assertActive();
  }

  @Test
  void aWrongModeIsFixedByUpdateStatusWithoutARestart() throws IOException {
    String before = SimUnit.idAndStart(unit.name);
    Files.setPosixFilePermissions(unit.configFile(), PosixFilePermissions.fromString("rw-r--r--"));
    unit.hook("update-status");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.configFile())));
    assertEquals(before, SimUnit.idAndStart(unit.name));
    unit.assertActive();
  }

  // ---- report the truth ----------------------------------------------------------------------

  @Test
  void updateStatusIsNotFooledByAnotherServerOnThePort() throws IOException {
    Cmd.ok("docker", "rm", "-f", unit.name);
    HttpServer impostor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), unit.port), 0);
    impostor.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    impostor.start();
    try {
      unit.hook("update-status");
      assertNotEquals("active", unit.status().status, "HTTP 200 from something else is not our registry");
    } finally {
      impostor.stop(0);
    }
    unit.hook("update-status");
    unit.assertActive();
    assertTrue(isRegistry(unit.port));
  }

  // ---- secrets -----------------------------------------------------------------------------

  @Test
  void aSecretInLeaderSettingsMovesToThePeerRelationUnchanged() {
    String old = "bGVnYWN5LXNlY3JldC1mcm9tLXRoZS1vbGQtY2hhcm0hIQ==";
    try (SimUnit upgraded = SimUnit.deploy("it-secret", m -> m.leaderSettings.put("http-secret", old))) {
      upgraded.assertActive();
      assertEquals(old, upgraded.sim.localAppData(upgraded.sim.peerRelationId("peer")).get("http-secret"));
      upgraded.hook("config-changed");
      assertEquals(null, upgraded.sim.leaderSettings().get("http-secret"), "removed from leader settings once moved");
      assertTrue(isRegistry(upgraded.port));
    }
  }

  static String containerId(String name) {
    return Cmd.ok("docker", "inspect", "-f", "{{.Id}}", name).trim();
  }

  /** Whether a distribution registry answers on the port (its API version header). */
  static boolean isRegistry(int port) {
    return isRegistry(port, 1000);
  }

  static boolean isRegistry(int port, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.getOutputStream().write("GET /v2/ HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
      return head.contains("docker-distribution-api-version: registry/2.0");
    } catch (IOException e) {
      return false;
    }
  }
}
