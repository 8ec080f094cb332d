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

    // install only installs the engine; the first hook with the peer relation (and so the shared
    // secret) writes the files, and fails.
    List<HookResult> hooks = sim.deploy(1);
    HookResult failed = hooks.get(hooks.size() - 1);
    assertEquals("peer-relation-created", failed.hook());
    assertEquals(1, failed.exitCode());
    assertTrue(sim.inError("docker-registry/0"));
    List<Model.LogLine> errors = sim.logs("docker-registry/0").stream().filter(l -> l.level.equals("ERROR")).toList();
    assertEquals(1, errors.size(), errors.toString());
    // juju-log prefixes messages in relation hooks with the relation id
    assertTrue(errors.get(0).message.startsWith("peer:0: peer-relation-created failed: "), errors.get(0).message);
    // The failed hook's peer data was not committed; whatever secret it generated stays private.
    for (HookResult h : hooks) {
      assertFalse(h.stderr().matches("(?s).*[A-Za-z0-9+/]{43}=.*"), "no secret-like value on stderr: " + h.stderr());
    }
    sim.logs("docker-registry/0").forEach(l -> assertFalse(l.message.matches("(?s).*[A-Za-z0-9+/]{43}=.*"), l.message));

    // The operator fixes the machine; `juju resolved` retries install and the rest follows.
    Files.delete(root.resolve("etc/docker/registry"));
    sim.resolve("docker-registry/0", true).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus("docker-registry/0").status, sim.unitStatus("docker-registry/0").message);
    SimUnit.destroyAndCheck(sim, root);
  }
}
