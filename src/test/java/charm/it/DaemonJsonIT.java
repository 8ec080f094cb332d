package charm.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import jujusim.HookResult;
import jujusim.Model;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The unit's {@code /etc/docker/daemon.json} as the operator left it, and the engine's trust files
 * changed behind the charm's back (daemon.json's entry, certs.d), through the packed charm under
 * the simulator against the real engine. The unit root has no docker.pid, so nothing is signalled:
 * the real dockerd is never touched.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonJsonIT {
  static final String UNIT = "docker-registry/0";
  static final String BIG = "100000000000000000000000000000";

  Path work;
  Path root;
  Path daemonJson;
  Sim sim;
  String name;
  String netloc;
  FileTime dirTime;
  List<HookResult> deployHooks;

  @BeforeAll
  void deployWithADirectoryInTheWay() throws IOException {
    work = Files.createTempDirectory("daemon-json-it");
    root = UnitRoot.create(work.resolve("root"));
    daemonJson = root.resolve("etc/docker/daemon.json");
    Files.createDirectories(daemonJson);
    Files.writeString(daemonJson.resolve("keep-me"), "operator's file");
    dirTime = FileTime.fromMillis(1_000_000_000L);
    Files.setLastModifiedTime(daemonJson, dirTime);
    name = "it-h2-" + UUID.randomUUID().toString().substring(0, 8);
    int port = RegistryCharmIT.freePort();
    netloc = "127.0.0.1:" + port;
    sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", port);
    deployHooks = sim.deploy(1);
  }

  @AfterAll
  void destroy() {
    try {
      if (sim != null) {
        SimUnit.destroyAndCheck(sim, root);
      }
    } finally {
      Cmd.run("docker", "rm", "-fv", name);
      Cmd.run("rm", "-rf", work.toString());
    }
  }

  @Test
  @Order(1)
  void aDirectoryIsWarnedAboutAndLeftAloneWhileTheUnitComesUp() throws IOException {
    deployHooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
    assertEquals(200, Http.status("http://" + netloc + "/v2/"));
    List<Model.LogLine> warnings =
        sim.logs(UNIT).stream().filter(l -> l.level.equals("WARNING") && l.message.contains("/etc/docker/daemon.json")).toList();
    assertFalse(warnings.isEmpty(), "a warning names daemon.json: " + sim.logs(UNIT));
    assertTrue(Files.isDirectory(daemonJson, LinkOption.NOFOLLOW_LINKS));
    assertEquals(dirTime, Files.getLastModifiedTime(daemonJson), "nothing added to or removed from the directory");
    try (Stream<Path> inside = Files.list(daemonJson)) {
      assertEquals(List.of(daemonJson.resolve("keep-me")), inside.toList());
    }
    assertEquals("operator's file", Files.readString(daemonJson.resolve("keep-me")));
    assertFalse(sim.unitState(UNIT).containsKey("trusted-netloc"), "nothing was trusted");
  }

  @Test
  @Order(2)
  void aSymlinkedDaemonJsonGetsTheEntryThroughTheLinkWithModeOwnerAndNumbersKept() throws IOException {
    Path real = work.resolve("operator/daemon.json");
    Files.createDirectories(real.getParent());
    Files.writeString(real, "{\n  \"max-concurrent-uploads\": " + BIG + ",\n  \"ratio\": 1.50\n}\n");
    Files.setAttribute(real, "unix:uid", 65534);
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
    Cmd.run("rm", "-rf", daemonJson.toString());
    Files.createSymbolicLink(daemonJson, real);

    HookResult hook = sim.hook(UNIT, "config-changed");
    assertEquals(0, hook.exitCode(), hook.stderr());
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);

    assertEquals(real, Files.readSymbolicLink(daemonJson), "still the operator's link");
    String text = Files.readString(real);
    assertTrue(text.contains("\"" + netloc + "\""), text);
    assertTrue(text.contains(": " + BIG + ","), text);
    assertTrue(text.contains(": 1.50"), text);
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
    assertEquals(65534, Files.getAttribute(real, "unix:uid"));
    try (Stream<Path> siblings = Files.list(real.getParent())) {
      assertEquals(List.of(real), siblings.toList(), "no temp file left next to the target");
    }
    assertEquals(netloc, sim.unitState(UNIT).get("trusted-netloc"));
  }

  @Test
  @Order(3)
  void anEmptiedInsecureRegistriesIsRestoredWithTheOperatorsEntriesKeptAndOnlyOnce() throws IOException {
    Path real = work.resolve("operator/daemon.json");
    Files.writeString(real, "{\n  \"insecure-registries\": [],\n  \"max-concurrent-uploads\": " + BIG + "\n}\n");
    HookResult steady = sim.hook(UNIT, "update-status");
    assertEquals(0, steady.exitCode(), steady.stderr());
    assertTrue(Files.readString(real).contains("\"" + netloc + "\""), "update-status restores the entry: " + Files.readString(real));

    Files.writeString(real, "{\n  \"insecure-registries\": [\"operator.example:5000\"],\n  \"max-concurrent-uploads\": " + BIG + "\n}\n");
    sim.config(Map.of("nagios_context", "hlead"), List.of()).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    String text = Files.readString(real);
    assertTrue(text.contains("\"" + netloc + "\"") && text.contains("\"operator.example:5000\"") && text.contains(": " + BIG), text);
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);

    byte[] before = Files.readAllBytes(real);
    FileTime written = Files.getLastModifiedTime(real);
    int logs = sim.logs(UNIT).size();
    for (String hook : List.of("update-status", "config-changed", "leader-elected")) {
      HookResult again = sim.hook(UNIT, hook);
      assertEquals(0, again.exitCode(), again.stderr());
      assertArrayEquals(before, Files.readAllBytes(real), hook + " left daemon.json alone");
      assertEquals(written, Files.getLastModifiedTime(real), hook + " did not rewrite daemon.json");
    }
    List<String> trustLines = sim.logs(UNIT).subList(logs, sim.logs(UNIT).size()).stream()
        .map(l -> l.message).filter(m -> m.contains("Docker engine") || m.contains("daemon.json")).toList();
    assertEquals(List.of(), trustLines, "no edit, so no reload of dockerd");
    sim.config(Map.of(), List.of("nagios_context")).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
  }

  @Test
  @Order(4)
  void aDeletedClientCertificateInCertsDIsRestored() throws IOException {
    try (TestPki pki = TestPki.create(work.resolve("pki"), "it-h2-ca")) {
      CertAndKey server = pki.server("registry", List.of("IP:127.0.0.1"));
      sim.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of())
          .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    }
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
    assertTrue(sim.unitStatus(UNIT).message.contains("(https)"), sim.unitStatus(UNIT).message);
    Path certsD = root.resolve("etc/docker/certs.d/" + netloc);
    Path clientCert = certsD.resolve("client.cert");
    String cert = Files.readString(clientCert);
    assertTrue(Files.exists(certsD.resolve("client.key")) && Files.exists(certsD.resolve("ca.crt")));

    Files.delete(clientCert);
    HookResult steady = sim.hook(UNIT, "update-status");
    assertEquals(0, steady.exitCode(), steady.stderr());
    assertTrue(Files.exists(clientCert), "update-status restores " + clientCert);
    assertEquals(cert, Files.readString(clientCert));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(clientCert)));

    FileTime written = Files.getLastModifiedTime(clientCert);
    for (String hook : List.of("update-status", "config-changed")) {
      HookResult again = sim.hook(UNIT, hook);
      assertEquals(0, again.exitCode(), again.stderr());
      assertEquals(written, Files.getLastModifiedTime(clientCert), hook + " did not rewrite it");
    }
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
  }

  private static String b64(String text) {
    return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
