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
 * relation: a push through haproxy, the primary's container stopped, pulls through haproxy work
 * again, and every image comes back with the digest it was pushed with.
 */
@Tag("docker")
@Tag("timing") // runs alone (pom.xml): its assertions are about time (failover within a bound)
class HaIT {
  static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(15);
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
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    Cmd.run("docker", "rm", "-f", name);
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
    cleanup.add(sim::destroy);
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
    assertTrue(services.contains("[docker-registry-0, 127.0.0.1, " + port + ", check inter 2000 rise 2 fall 5 maxconn 4096]"), services);
    assertTrue(services.contains("[docker-registry-1, " + host.address() + ", " + port + ", check inter 2000 rise 2 fall 5 maxconn 4096 backup]"), services);
    Map<String, String> follower = sim.localUnitData(website, FOLLOWER);
    assertFalse(follower.containsKey("services") || follower.containsKey("port") || follower.containsKey("hostname"), follower.toString());
    assertTrue(sim.unitStatus(LEADER).message.startsWith("Ready at 127.0.0.1:" + port + " (http, proxied)."), sim.unitStatus(LEADER).message);

    try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy"), services)) {
      Poll.until(Duration.ofSeconds(15), () -> haproxy.serverState("docker-registry-0").equals("UP") && haproxy.serverState("docker-registry-1").equals("UP"),
          () -> "servers not UP:\n" + haproxy.admin("show stat"));
      String before = "127.0.0.1:" + haproxy.port() + "/it/ha-" + name + ":before";
      String digestBefore = push(before);

      Cmd.ok("docker", "rmi", before); // the pulls below must fetch it
      long t0 = System.nanoTime();
      Cmd.ok("docker", "stop", name); // the primary's container, on the main engine
      List<String> failed = new ArrayList<>();
      Cmd pull;
      while ((pull = Cmd.run("docker", "pull", before)).exitCode() != 0) {
        failed.add((System.nanoTime() - t0) / 1_000_000 + " ms");
        assertTrue(System.nanoTime() - t0 < FAILOVER_DEADLINE.toNanos(), "no pull through haproxy within " + FAILOVER_DEADLINE + ": " + pull.output());
      }
      long failover = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("failover through haproxy: first good pull " + failover + " ms after the primary was stopped; failed pulls ended at " + failed);
      assertEquals("DOWN", haproxy.serverState("docker-registry-0"));
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
    cleanup.add(sim::destroy);
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", port);
    sim.model().unitEnv.put(FOLLOWER, Map.of("DOCKER_REGISTRY_ROOT", root1.toString()));
    sim.model().unitAddresses.put(FOLLOWER, UNREACHABLE);
    sim.deploy(2).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus(LEADER).status, sim.unitStatus(LEADER).message);
    assertTrue(sim.unitStatus(FOLLOWER).message.startsWith("Waiting for the Docker engine"), sim.unitStatus(FOLLOWER).message);

    int website = sim.integrate("website", "haproxy", List.of("haproxy/0"), Map.of(),
        Map.of("haproxy/0", Map.of("ingress-address", "127.0.0.1", "private-address", "127.0.0.1")));
    String serving = "[docker-registry-0, 127.0.0.1, " + port + ", check inter 2000 rise 2 fall 5 maxconn 4096]";
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
