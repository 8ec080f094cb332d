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
 * Scale-out: three units of the packed charm, each on its own machine (the leader on this
 * machine's engine, the others on {@link TestHost}s: their own engines in their own network
 * namespaces, where their hooks run too), on one S3 bucket (s3proxy) with one redis blob
 * descriptor cache, behind the real haproxy configured from what the leader publishes on the
 * website relation. A push through haproxy is pulled from each unit directly; one unit's container
 * stopped, pushes and pulls through haproxy go on; 100 MiB pushed and pulled through haproxy and
 * to one unit directly, the throughput printed. No unit warns that units do not share images.
 *
 * <p>S3 and redis listen on an address of this machine that every unit's container reaches, as
 * a storage service on the network would: the first TestHost's gateway (this machine's end of
 * its veth). Not docker0's address: inside a TestHost, the engine's own docker0 has it too.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
  static final List<String> UNITS = List.of("docker-registry/0", "docker-registry/1", "docker-registry/2");
  static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(20);
  static final int BIG = 100 << 20;

  Path work;
  S3Server s3;
  RedisServer redis;
  Sim sim;
  Haproxy haproxy;
  String name;
  int port;
  /** Where each unit's registry is reached directly, in unit order. */
  final List<String> direct = new ArrayList<>();
  final List<AutoCloseable> cleanup = new ArrayList<>();
  final List<String> images = new ArrayList<>();

  @BeforeAll
  void deploy() throws IOException {
    work = Files.createTempDirectory("it-scale");
    cleanup.add(() -> TestFiles.deleteTree(work));
    List<TestHost> hosts = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      TestHost host = TestHost.start(work.resolve("h" + i));
      cleanup.add(host);
      hosts.add(host);
    }
    String bucket = "it-" + UUID.randomUUID().toString().substring(0, 8);
    String services = hosts.get(0).gateway();
    s3 = S3Server.startOn(work.resolve("s3"), services, bucket);
    cleanup.add(s3);
    redis = RedisServer.start(work.resolve("redis"), services);
    cleanup.add(redis);
    Path root0 = UnitRoot.create(work.resolve("root0"));
    name = "it-scale-" + UUID.randomUUID().toString().substring(0, 8);
    port = TestNet.freePort();
    sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root0.toString()));
    cleanup.add(() -> Cmd.run("docker", "rm", "-f", name));
    cleanup.add(() -> SimUnit.destroyAndCheck(sim, root0));
    Model model = sim.model();
    model.config.putAll(Map.of("registry-name", name, "registry-port", port, "storage-delete", true,
        "storage-s3-region", "us-east-1", "storage-s3-bucket", bucket, "storage-s3-regionendpoint", s3.endpoint(),
        "storage-s3-secure", false, "storage-s3-accesskey", s3.accessKey(), "storage-s3-secretkey", s3.secretKey()));
    model.config.putAll(Map.of("storage-cache", "redis", "storage-cache-redis-address", redis.address(),
        "storage-cache-redis-password", redis.password()));
    direct.add("127.0.0.1:" + port);
    for (int i = 1; i <= 2; i++) {
      TestHost host = hosts.get(i - 1);
      Path root = Files.createDirectories(work.resolve("root" + i));
      host.connect(root);
      String unit = UNITS.get(i);
      model.unitEnv.put(unit, Map.of("DOCKER_REGISTRY_ROOT", root.toString()));
      model.unitAddresses.put(unit, host.address());
      model.unitNetns.put(unit, host.namespace());
      model.unitAgentAddress.put(unit, host.gateway());
      direct.add(host.address() + ":" + port);
    }
    sim.deploy(3).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));

    int website = sim.integrate("website", "haproxy", List.of("haproxy/0"), Map.of(),
        Map.of("haproxy/0", Map.of("ingress-address", "127.0.0.1", "private-address", "127.0.0.1")));
    String published = sim.localUnitData(website, UNITS.get(0)).get("services");
    for (int i = 0; i < 3; i++) {
      assertTrue(published.contains("[docker-registry-" + i + ", " + direct.get(i).replace(":", ", ")), published);
    }
    haproxy = Haproxy.start(work.resolve("haproxy"), published);
    cleanup.add(haproxy);
    Poll.until(Duration.ofSeconds(20), () -> UNITS.stream().allMatch(u -> haproxy.serverState(u.replace('/', '-')).equals("UP")),
        () -> "servers not UP:\n" + haproxy.admin("show stat"));
  }

  @AfterAll
  void destroy() throws Exception {
    for (String image : images) {
      Cmd.run("docker", "rmi", image);
    }
    SimUnit.closeAll(cleanup);
  }

  @Test
  @Order(1)
  void aPushThroughHaproxyIsServedByEveryUnit() throws IOException {
    for (String unit : UNITS) {
      assertEquals("active", sim.unitStatus(unit).status, unit + ": " + sim.unitStatus(unit).message);
      assertFalse(sim.unitStatus(unit).message.contains("do not share"), sim.unitStatus(unit).message);
      assertTrue(sim.logs(unit).stream().noneMatch(l -> l.message.contains("store images on their own disks")), unit);
    }
    String ref = proxied("it/scale", "a");
    TestImages.random(work, ref, 1 << 20);
    String digest = push(ref);
    for (String netloc : direct) {
      assertEquals(digest, pullDirectly(netloc, "it/scale:a"), "it/scale:a from " + netloc);
    }
  }

  @Test
  @Order(2)
  void throughputOf100MiBThroughHaproxyAndToOneUnitDirectly() throws IOException {
    String viaProxy = TestImages.random(work, proxied("it/big", "proxied"), BIG);
    String toUnit = TestImages.random(work, direct.get(0) + "/it/big:direct", BIG);
    images.add(viaProxy);
    images.add(toUnit);
    double pushProxy = seconds(() -> push(viaProxy));
    double pushDirect = seconds(() -> push(toUnit));
    Cmd.ok("docker", "rmi", viaProxy, toUnit);
    double pullProxy = seconds(() -> Cmd.ok("docker", "pull", viaProxy));
    double pullDirect = seconds(() -> Cmd.ok("docker", "pull", toUnit));
    double mib = BIG / (double) (1 << 20);
    System.out.printf("100 MiB random layer (3 units on one S3 bucket, s3proxy on this machine):%n"
            + "  push through haproxy: %.2f s, %.1f MiB/s; to the unit directly: %.2f s, %.1f MiB/s%n"
            + "  pull through haproxy: %.2f s, %.1f MiB/s; from the unit directly: %.2f s, %.1f MiB/s%n",
        pushProxy, mib / pushProxy, pushDirect, mib / pushDirect, pullProxy, mib / pullProxy, pullDirect, mib / pullDirect);
  }

  @Test
  @Order(3)
  void withOneUnitStoppedPushesAndPullsThroughHaproxyGoOn() throws IOException {
    String before = proxied("it/scale", "a");
    Cmd.run("docker", "rmi", before);
    Cmd.ok("docker", "stop", name); // the primary's container, on this machine's engine
    long t0 = System.nanoTime();
    Cmd pull;
    while ((pull = Cmd.run("docker", "pull", before)).exitCode() != 0) {
      assertTrue(System.nanoTime() - t0 < FAILOVER_DEADLINE.toNanos(), "no pull through haproxy within " + FAILOVER_DEADLINE + ": " + pull.output());
    }
    System.out.println("one unit stopped: first pull through haproxy after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    assertEquals("DOWN", haproxy.serverState("docker-registry-0"));

    String after = proxied("it/scale", "after");
    TestImages.random(work, after, 1 << 20);
    String digest = push(after);
    for (String netloc : direct.subList(1, 3)) {
      assertEquals(digest, pullDirectly(netloc, "it/scale:after"), "pushed with a unit down, pulled from " + netloc);
    }
    Cmd.ok("docker", "rmi", after);
    Cmd.ok("docker", "pull", after);
    assertTrue(Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", after).contains("@" + digest));
  }

  private String proxied(String repo, String tag) {
    String ref = "127.0.0.1:" + haproxy.port() + "/" + repo + ":" + tag;
    images.add(ref);
    return ref;
  }

  private static String push(String ref) {
    return TestImages.push(ref);
  }

  /**
   * Pulls {@code repoTag} from one unit with skopeo (every blob fetched and its digest checked;
   * docker would refuse plain HTTP to a non-loopback address); returns the manifest digest.
   */
  private String pullDirectly(String netloc, String repoTag) throws IOException {
    Path dir = Files.createTempDirectory(work, "pull");
    try {
      Cmd.ok("skopeo", "copy", "--src-tls-verify=false", "docker://" + netloc + "/" + repoTag, "dir:" + dir);
      String inspect = Cmd.ok("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://" + netloc + "/" + repoTag);
      return inspect.trim();
    } finally {
      TestFiles.deleteTree(dir);
    }
  }

  private static double seconds(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1e9;
  }
}
