package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Model;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unexpected failure: one ERROR line through juju-log, a non-zero exit, and Juju's retry. */
@Tag("docker")
class HookFailureIT {
  @TempDir Path work;
  String name = "it-failure-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void cleanUp() {
    Cmd.run("docker", "rm", "-fv", name);
  }

  @Test
  void unexpectedErrorFailsTheHookWithOneErrorLineAndTheRetrySucceeds() throws Exception {
    Path root = UnitRoot.create(work.resolve("root"));
    // The charm cannot create /etc/docker/registry: a file is in the way.
    Files.createDirectories(root.resolve("etc/docker"));
    Files.writeString(root.resolve("etc/docker/registry"), "in the way");
    Sim sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", RegistryCharmIT.freePort());

    List<HookResult> hooks = sim.deploy(1);
    HookResult install = hooks.get(0);
    assertEquals("install", install.hook());
    assertEquals(1, install.exitCode());
    assertTrue(sim.inError("docker-registry/0"));
    List<Model.LogLine> errors = sim.logs("docker-registry/0").stream().filter(l -> l.level.equals("ERROR")).toList();
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).message.startsWith("install failed: "), errors.get(0).message);
    String secret = sim.leaderSettings().getOrDefault("http-secret", "no secret yet");
    sim.logs("docker-registry/0").forEach(l -> assertFalse(l.message.contains(secret)));
    assertFalse(install.stderr().contains(secret));

    // The operator fixes the machine; `juju resolved` retries install and the rest follows.
    Files.delete(root.resolve("etc/docker/registry"));
    sim.resolve("docker-registry/0", true).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus("docker-registry/0").status, sim.unitStatus("docker-registry/0").message);
    sim.destroy();
  }
}
