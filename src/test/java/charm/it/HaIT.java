package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two units of the packed charm, each on its own "machine" (the second on its own Docker engine
 * in its own network namespace, its hooks run there too), sharing /srv/registry and the
 * http-secret, behind the real haproxy configured from what the leader published on the website
 * relation: a push through haproxy; the primary's container killed five times, each time a
 * manifest GET through haproxy sent after its death is answered within 3 s (issue 20); a pull
 * through haproxy works, and every image comes back with the digest it was pushed with.
 */
@Tag("docker")
@Tag("timing") // runs alone (pom.xml): its assertions are about time (failover within a bound)
class HaIT {
  /** Issue 20: a manifest is served again at most 3 s after the primary's container dies. */
  static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(3);
  static final int FAILOVER_RUNS = 5;
  /** How long the engine may take to kill the container, on top of the deadline. */
  static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  static final String LEADER = "docker-registry/0";
  static final String FOLLOWER = "docker-registry/1";
  /** An address nothing answers at (TEST-NET-1, RFC 5737). */
  static final String UNREACHABLE = "192.0.2.1";

  @TempDir Path work;
  final List<AutoCloseable> cleanup = new ArrayList<>();
  final List<String> images = new ArrayList<>();
  String name;

  @AfterEach
  void cleanUp() throws Exception {
    for (String image : images) {
      Cmd.run("docker", "rmi", image);
    }
    try {
      SimUnit.closeAll(cleanup);
    } finally {
      Cmd.run("docker", "rm", "-f", name);
    }
  }

  @Test
  void twoUnitsBehindHaproxyFailOverAndServeEveryImage() throws Exception {
    TestHost host = TestHost.start(work.resolve("host1"));
    cleanup.add(host);
    Path root0 = UnitRoot.create(work.resolve("root0"));
    Path root1 = Files.createDirectories(work.resolve("root1"));
    host.connect(root1);
    Files.createDirectories(root0.resolve("srv/registry"));
    Files.createDirectories(root1.resolve("srv"));
    Files.createSymbolicLink(root1.resolve("srv/registry"), root0.resolve("srv/registry")); // shared storage

    name = "it-ha-" + UUID.randomUUID().toString().substring(0, 8);
    int port = TestNet.freePort();
    Sim sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root0.toString()));
    cleanup.add(() -> SimUnit.destroyAndCheck(sim, root0));
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", port);
    sim.model().unitEnv.put(FOLLOWER, Map.of("DOCKER_REGISTRY_ROOT", root1.toString()));
    sim.model().unitAddresses.put(FOLLOWER, host.address());
    sim.model().unitNetns.put(FOLLOWER, host.namespace());
    sim.model().unitAgentAddress.put(FOLLOWER, host.gateway());
    sim.deploy(2).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    for (String unit : List.of(LEADER, FOLLOWER)) {
      assertEquals("active", sim.unitStatus(unit).status, unit + ": " + sim.unitStatus(unit).message);
    }
    assertEquals(Files.readString(root0.resolve("etc/docker/registry/config.yml")), Files.readString(root1.resolve("etc/docker/registry/config.yml")),
        "the same http-secret (and everything else) on both units");
    assertTrue(host.dockerOk("inspect", "-f", "{{.State.Running}}", name).trim().equals("true"), "the follower's registry runs on its own engine");

    int website = sim.integrate("website", "haproxy", List.of("haproxy/0"), Map.of(),
        Map.of("haproxy/0", Map.of("ingress-address", "127.0.0.1", "private-address", "127.0.0.1")));
    String services = sim.localUnitData(website, LEADER).get("services");
    assertTrue(services.contains("[docker-registry-0, 127.0.0.1, " + port + ", check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096]"), services);
    assertTrue(services.contains("[docker-registry-1, " + host.address() + ", " + port + ", check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 backup]"), services);
    Map<String, String> follower = sim.localUnitData(website, FOLLOWER);
    assertFalse(follower.containsKey("services") || follower.containsKey("port") || follower.containsKey("hostname"), follower.toString());
    assertTrue(sim.unitStatus(LEADER).message.startsWith("Ready at 127.0.0.1:" + port + " (http, proxied)."), sim.unitStatus(LEADER).message);

    try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy"), services)) {
      Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP") && haproxy.serverState("docker-registry-1").equals("UP"),
          () -> "servers not UP:\n" + haproxy.admin("show stat"));
      String before = "127.0.0.1:" + haproxy.port() + "/it/ha-" + name + ":before";
      String digestBefore = push(before);

      String manifest = "http://127.0.0.1:" + haproxy.port() + "/v2/it/ha-" + name + "/manifests/before";
      assertEquals(200, getManifest(manifest), "the manifest through haproxy");
      List<Long> sinceDeath = new ArrayList<>();
      for (int run = 1; run <= FAILOVER_RUNS; run++) {
        Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP") && haproxy.serverState("docker-registry-1").equals("UP"),
            () -> "servers not UP before run:\n" + haproxy.admin("show stat"));
        // GETs run back to back while the engine kills the container (its CLI returns only after
        // the engine has torn the container's network down, so GETs after it would hide the gap).
        java.time.Instant t0 = java.time.Instant.now();
        Process kill = new ProcessBuilder("docker", "stop", "-t", "0", name) // SIGKILL at once: the primary's container dies
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> failed = new ArrayList<>();
        java.time.Instant died = null;
        long afterDeath = -1;
        while (true) {
          java.time.Instant sent = java.time.Instant.now();
          int status = getManifest(manifest);
          java.time.Instant answered = java.time.Instant.now();
          if (died == null && !kill.isAlive()) {
            assertEquals(0, kill.exitValue(), "docker stop " + name);
            died = java.time.Instant.parse(Cmd.ok("docker", "inspect", "-f", "{{.State.FinishedAt}}", name).trim());
          }
          if (died != null && !sent.isBefore(died)) {
            // A GET sent after the container died: served again, or not yet. Checked on success too.
            afterDeath = Duration.between(died, answered).toMillis();
            if (status == 200) {
              break;
            }
            failed.add(status + " at " + afterDeath + " ms");
            assertTrue(afterDeath <= FAILOVER_DEADLINE.toMillis(), "no manifest through haproxy within " + FAILOVER_DEADLINE + " of the primary's death: " + failed);
          }
          assertTrue(Duration.between(t0, answered).compareTo(FAILOVER_DEADLINE.plus(KILL_TIMEOUT)) < 0,
              "no manifest through haproxy within " + FAILOVER_DEADLINE + " of the primary's death (" + died + "): " + failed);
        }
        System.out.println("failover run " + run + ": manifest through haproxy " + afterDeath + " ms after the container died ("
            + Duration.between(t0, died).toMillis() + " ms after the kill was sent); failed GETs sent after the death: " + failed);
        assertTrue(afterDeath <= FAILOVER_DEADLINE.toMillis(), "manifest served again only " + afterDeath + " ms after the primary died");
        assertEquals("DOWN", haproxy.serverState("docker-registry-0"), "the answer came from the backup");
        sinceDeath.add(afterDeath);
        if (run < FAILOVER_RUNS) {
          Cmd.ok("docker", "start", name);
        }
      }
      System.out.println("failover through haproxy, " + FAILOVER_RUNS + " runs, a manifest again after the primary died, ms min / median / max: "
          + summary(sinceDeath));
      Cmd.ok("docker", "rmi", before); // the pull below must fetch it, from the backup
      Cmd.ok("docker", "pull", before);
      assertTrue(digests(before).contains("@" + digestBefore), "the same image after the failover");

      String after = "127.0.0.1:" + haproxy.port() + "/it/ha-" + name + ":after";
      String digestAfter = push(after); // lands on the backup, in the shared storage

      assertEquals("completed", sim.runAction(LEADER, "start", Map.of()).status);
      Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP"), () -> haproxy.admin("show stat"));
      for (String[] image : List.of(new String[] {before, digestBefore}, new String[] {after, digestAfter})) {
        Cmd.ok("docker", "rmi", image[0]);
        Cmd.ok("docker", "pull", image[0]);
        assertTrue(digests(image[0]).contains("@" + image[1]), image[0] + " pulled from the primary again, same digest");
      }
    }
    HookResult update = sim.hook(FOLLOWER, "update-status");
    assertEquals(0, update.exitCode(), update.stderr());
    assertEquals("active", sim.unitStatus(FOLLOWER).status, sim.unitStatus(FOLLOWER).message);
  }

  /**
   * Leadership moves to a unit that cannot run its registry: its engine refuses every connection
   * (its socket path is a plain file) and its address answers nothing. haproxy must keep a server
   * that serves: the new leader publishes the service from what its peers advertise, and the old
   * leader withdraws its copy only once the new one is there (issue 17, point 3). The old leader
   * then runs the hooks that follow: haproxy's data changes, update-status everywhere.
   */
  @Test
  void leadershipMovesToAUnitWhoseEngineIsDownAndHaproxyKeepsAServingServer() throws Exception {
    Path root0 = UnitRoot.create(work.resolve("root0"));
    Path root1 = work.resolve("root1");
    Files.createDirectories(root1.resolve("var/run"));
    Files.writeString(root1.resolve("var/run/docker.sock"), ""); // not a socket: connections are refused
    name = "it-ha-" + UUID.randomUUID().toString().substring(0, 8);
    int port = TestNet.freePort();
    Sim sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root0.toString()));
    cleanup.add(sim::destroy); // not destroyAndCheck: the follower's engine never answers here
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", port);
    sim.model().unitEnv.put(FOLLOWER, Map.of("DOCKER_REGISTRY_ROOT", root1.toString()));
    sim.model().unitAddresses.put(FOLLOWER, UNREACHABLE);
    sim.deploy(2).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus(LEADER).status, sim.unitStatus(LEADER).message);
    assertTrue(sim.unitStatus(FOLLOWER).message.startsWith("Waiting for the Docker engine"), sim.unitStatus(FOLLOWER).message);

    int website = sim.integrate("website", "haproxy", List.of("haproxy/0"), Map.of(),
        Map.of("haproxy/0", Map.of("ingress-address", "127.0.0.1", "private-address", "127.0.0.1")));
    String serving = "[docker-registry-0, 127.0.0.1, " + port + ", check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096]";
    assertServiceNames(sim, website, serving);
    try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy"), published(sim, website))) {
      Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP"), () -> haproxy.admin("show stat"));
      String ref = "127.0.0.1:" + haproxy.port() + "/it/ha-" + name + ":moved";
      String digest = push(ref);
      Cmd.ok("docker", "rmi", ref);

      sim.setLeader(FOLLOWER).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      assertEquals(FOLLOWER, sim.leader());
      assertServiceNames(sim, website, serving);
      sim.setRemoteUnitData(website, "haproxy/0", Map.of("public-address", "127.0.0.1"))
          .forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      assertServiceNames(sim, website, serving);
      sim.hookAll("update-status").forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      assertServiceNames(sim, website, serving);
      assertEquals("active", sim.unitStatus(LEADER).status, sim.unitStatus(LEADER).message);
      assertTrue(sim.localUnitData(website, FOLLOWER).containsKey("services"), "the new leader publishes, its engine down");
      assertFalse(sim.localUnitData(website, LEADER).containsKey("services"), "the old leader withdrew once the new one published");

      haproxy.reload(published(sim, website));
      Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP"), () -> haproxy.admin("show stat"));
      Cmd.ok("docker", "pull", ref);
      assertTrue(digests(ref).contains("@" + digest), "pulled through haproxy after the move, same digest");
    }
  }

  /** The {@code services} every unit of ours publishes on the website relation, in unit order. */
  private static List<String> published(Sim sim, int website) {
    List<String> services = new ArrayList<>();
    for (String unit : sim.units()) {
      String value = sim.localUnitData(website, unit).get("services");
      if (value != null) {
        services.add(value);
      }
    }
    return services;
  }

  /**
   * haproxy, from what our units publish, has the service with this server line, and no unit of
   * ours sends a port without services (haproxy would add it as an extra active server).
   */
  private static void assertServiceNames(Sim sim, int website, String server) {
    Map<String, Map<String, String>> bags = new java.util.TreeMap<>();
    sim.units().forEach(u -> bags.put(u, sim.localUnitData(website, u)));
    List<String> services = published(sim, website);
    assertFalse(services.isEmpty(), "no unit publishes the service (leader " + sim.leader() + "): " + bags);
    assertTrue(services.stream().anyMatch(s -> s.contains(server)), server + " missing: " + bags);
    bags.forEach((unit, bag) -> assertFalse(bag.containsKey("port") && !bag.containsKey("services"), unit + " sends a port without services: " + bag));
  }

  /** A manifest GET (Http's 10 s deadline), as docker asks for it; its status, -1 when nothing answered. */
  private static int getManifest(String url) {
    var r = Http.send("GET", url, "Accept",
        "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json");
    return r == null ? -1 : r.statusCode();
  }

  /** "min / median / max" of the values. */
  private static String summary(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(0) + " / " + sorted.get(sorted.size() / 2) + " / " + sorted.get(sorted.size() - 1);
  }

  /** Tags the tiny test image as {@code ref}, pushes it and returns the pushed manifest digest. */
  private String push(String ref) throws IOException {
    TestImages.tiny(work, ref);
    images.add(ref);
    return TestImages.push(ref);
  }

  private static String digests(String ref) {
    return Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref);
  }
}
