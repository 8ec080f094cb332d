package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Model;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An air-gapped unit: its machine ({@link TestHost}: its own Docker engine, which holds no
 * registry image at all, in a network namespace with no way to a registry) gets the image from
 * the registry-image resource, a {@code docker save} tarball of the offline-built image, loaded
 * with docker-java. A new tarball that moves the tag (juju attach-resource, which runs
 * upgrade-charm) replaces the container; one the engine cannot load blocks the unit and the
 * registry keeps running.
 */
@Tag("docker")
class ImageResourceIT {
  static final String UNIT = "docker-registry/0";

  @TempDir Path work;
  final List<AutoCloseable> cleanup = new ArrayList<>();
  String tag;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      SimUnit.closeAll(cleanup);
    } finally {
      if (tag != null) {
        Cmd.run("docker", "rmi", tag);
      }
    }
  }

  @Test
  void theResourceTarballIsLoadedInsteadOfPulledAndANewOneReplacesTheContainer() throws Exception {
    tag = "it-airgap/registry:" + UUID.randomUUID().toString().substring(0, 8);
    // Two images under one tag, saved on the main engine: the offline-built registry:2 and a
    // variant of it (another id, same registry), as a vendor's next build would be.
    Cmd.ok("docker", "tag", TestHost.IMAGE, tag);
    Path first = work.resolve("registry-image.tar");
    Cmd.ok("docker", "save", "-o", first.toString(), tag);
    String firstId = imageId(Cmd.ok("docker", "image", "inspect", "-f", "{{.Id}}", tag));
    String scratch = "it-airgap-" + UUID.randomUUID().toString().substring(0, 8);
    Cmd.ok("docker", "create", "--name", scratch, tag);
    Cmd.ok("docker", "commit", "--change", "LABEL it.variant=" + scratch, scratch, tag);
    Cmd.ok("docker", "rm", scratch);
    Path second = work.resolve("next/registry-image.tar");
    Files.createDirectories(second.getParent());
    Cmd.ok("docker", "save", "-o", second.toString(), tag);
    String secondId = imageId(Cmd.ok("docker", "image", "inspect", "-f", "{{.Id}}", tag));
    Cmd.ok("docker", "rmi", tag);
    assertNotEquals(firstId, secondId);

    TestHost host = TestHost.start(work.resolve("host"));
    cleanup.add(host);
    host.dockerOk("rmi", TestHost.IMAGE); // the machine has no registry image at all
    assertNotEquals(0, host.docker("image", "inspect", tag).exitCode());
    Path root = Files.createDirectories(work.resolve("root"));
    host.connect(root);

    String name = "it-airgap-" + UUID.randomUUID().toString().substring(0, 8);
    int port = TestNet.freePort();
    Sim sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
    cleanup.add(() -> SimUnit.destroyAndCheck(sim, root));
    Model model = sim.model();
    model.config.put("registry-name", name);
    model.config.put("registry-port", port);
    model.config.put("registry-image", tag);
    model.unitAddresses.put(UNIT, host.address());
    model.unitNetns.put(UNIT, host.namespace());
    model.unitAgentAddress.put(UNIT, host.gateway());
    sim.attachResource("registry-image", first); // juju deploy --resource registry-image=...
    sim.deploy(1).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));

    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
    assertEquals(firstId, imageId(host.dockerOk("image", "inspect", "-f", "{{.Id}}", tag)), "loaded from the tarball");
    assertEquals(firstId, imageId(host.dockerOk("inspect", "-f", "{{.Image}}", name)));
    List<String> log = sim.logs(UNIT).stream().map(l -> l.message).toList();
    assertTrue(log.stream().anyMatch(l -> l.contains("Loaded " + tag + " from the registry-image resource")), log.toString());
    assertFalse(log.stream().anyMatch(l -> l.contains(": pull ") || l.startsWith("pull ") || l.contains("Cannot pull")), "nothing was pulled: " + log);
    assertEquals(200, Http.status("http://" + host.address() + ":" + port + "/v2/"));
    String container = host.dockerOk("inspect", "-f", "{{.Id}}", name).trim();

    // A hook with the same tarball loads nothing again.
    int loads = loads(sim);
    assertEquals(0, sim.hook(UNIT, "config-changed").exitCode());
    assertEquals(loads, loads(sim), "the same tarball is not loaded twice");

    sim.attachResource("registry-image", second); // juju attach-resource runs upgrade-charm
    HookResult upgrade = sim.hook(UNIT, "upgrade-charm");
    assertEquals(0, upgrade.exitCode(), upgrade.stderr());
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
    assertEquals(secondId, imageId(host.dockerOk("inspect", "-f", "{{.Image}}", name)), "the container follows the new tarball");
    assertNotEquals(container, host.dockerOk("inspect", "-f", "{{.Id}}", name).trim(), "replaced");

    Path broken = Files.createDirectories(work.resolve("broken")).resolve("registry-image.tar");
    Files.writeString(broken, "not a tarball\n".repeat(100));
    sim.attachResource("registry-image", broken);
    assertEquals(0, sim.hook(UNIT, "upgrade-charm").exitCode());
    assertEquals("blocked", sim.unitStatus(UNIT).status);
    assertTrue(sim.unitStatus(UNIT).message.startsWith("Cannot load the registry-image resource: "), sim.unitStatus(UNIT).message);
    assertEquals("true", host.dockerOk("inspect", "-f", "{{.State.Running}}", name).trim(), "the registry keeps running");
    assertEquals(200, Http.status("http://" + host.address() + ":" + port + "/v2/"));
  }

  private static int loads(Sim sim) {
    return (int) sim.logs(UNIT).stream().filter(l -> l.message.contains("Loaded it-airgap/")).count();
  }

  private static String imageId(String text) {
    return text.trim();
  }
}
