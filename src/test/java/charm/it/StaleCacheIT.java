package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jujusim.ActionOutcome;
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
 * No blob descriptor cache outlives a garbage collection: two units of the packed charm on one S3
 * bucket (s3proxy), unit 0 on this machine's engine, unit 1 on a {@link TestHost} (its own engine
 * and network namespace, where its hooks run). An image pushed through both units (so both
 * registries have described its blobs), its manifest deleted and garbage-collected through unit 0,
 * then the same image pushed again through unit 1 must be pulled by digest from both units. A
 * registry that still described the deleted blobs would tell the client they exist: the client
 * skips the uploads, the registry accepts the manifest, and nothing can pull it.
 *
 * <p>Once with each unit's in-memory cache: unit 0 publishes the next cache generation in the
 * peer relation, and unit 1's {@code peer-relation-changed} (which the simulator runs as Juju
 * would, once the action committed) replaces its registry, once. Once with one redis for both:
 * unit 0 flushes it, and unit 1 is not restarted.
 *
 * <p>S3 and redis listen on the TestHost's gateway, which both units' containers reach.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaleCacheIT {
  static final String UNIT0 = "docker-registry/0";
  static final String UNIT1 = "docker-registry/1";
  static final String GENERATION_LABEL = "charm.docker-registry.cache-generation";
  static final int REDIS_DB = 2;

  Path work;
  TestHost host;
  S3Server s3;
  String bucket;
  RedisServer redis;
  Sim sim;
  String name;
  int port;
  String unit0;
  String unit1;
  final List<AutoCloseable> cleanup = new ArrayList<>();
  final List<String> images = new ArrayList<>();

  @BeforeAll
  void deploy() throws IOException {
    long t0 = System.nanoTime();
    work = Files.createTempDirectory("it-cache");
    cleanup.add(() -> TestFiles.deleteTree(work));
    host = TestHost.start(work.resolve("h1"));
    cleanup.add(host);
    long hostUp = System.nanoTime();
    bucket = "it-cache-" + UUID.randomUUID().toString().substring(0, 8);
    s3 = S3Server.startOn(work.resolve("s3"), host.gateway(), bucket);
    cleanup.add(s3);
    redis = RedisServer.start(work.resolve("redis"), host.gateway());
    cleanup.add(redis);
    name = "it-cache-" + UUID.randomUUID().toString().substring(0, 8);
    port = TestNet.freePort();
    Path root0 = UnitRoot.create(work.resolve("root0"));
    Path root1 = Files.createDirectories(work.resolve("root1"));
    host.connect(root1);
    sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root0.toString()));
    cleanup.add(() -> Cmd.run("docker", "rm", "-f", name));
    cleanup.add(() -> SimUnit.destroyAndCheck(sim, root0));
    Model model = sim.model();
    model.config.putAll(Map.of("registry-name", name, "registry-port", port, "storage-delete", true,
        "storage-s3-region", "us-east-1", "storage-s3-bucket", bucket, "storage-s3-regionendpoint", s3.endpoint(),
        "storage-s3-secure", false, "storage-s3-accesskey", s3.accessKey(), "storage-s3-secretkey", s3.secretKey()));
    model.unitEnv.put(UNIT1, Map.of("DOCKER_REGISTRY_ROOT", root1.toString()));
    model.unitAddresses.put(UNIT1, host.address());
    model.unitNetns.put(UNIT1, host.namespace());
    model.unitAgentAddress.put(UNIT1, host.gateway());
    long deployFrom = System.nanoTime();
    sim.deploy(2).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    System.out.printf("StaleCacheIT: second host %.1f s, S3 and redis %.1f s, two units deployed %.1f s%n",
        (hostUp - t0) / 1e9, (deployFrom - hostUp) / 1e9, (System.nanoTime() - deployFrom) / 1e9);
    unit0 = "127.0.0.1:" + port;
    unit1 = host.address() + ":" + port;
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
  void inMemoryCachesAreDroppedThroughTheCacheGeneration() throws IOException {
    assertActive();
    assertEquals("", label(() -> Cmd.ok("docker", "inspect", name)), "no generation before any collection");
    Scenario s = new Scenario("it/cache-mem");
    String before0 = container0();
    String before1 = container1();
    int hooks1 = sim.hookNames(UNIT1).size();

    ActionOutcome gc = s.untagAndCollect();
    s.pushAgainThroughUnit1AndPullFromBoth();

    // How: unit 0 published generation 1, unit 1's peer-relation-changed replaced its registry once.
    assertTrue(String.valueOf(gc.results.get("cache-reset")).startsWith("published cache generation 1:"), gc.results.toString());
    assertEquals(List.of("peer-relation-changed"), sim.hookNames(UNIT1).subList(hooks1, sim.hookNames(UNIT1).size()),
        "unit 1 heard of the new generation");
    assertEquals("1", label(() -> Cmd.ok("docker", "inspect", name)));
    assertEquals("1", label(() -> host.dockerOk("inspect", name)));
    assertNotEquals(before1, container1(), "unit 1's registry was replaced: its cache is empty");
    assertNotEquals(before0, container0(), "unit 0's went read-only and back");
    assertActive();

    // Idempotent and steady: a full reconcile that finds the same generation changes nothing and
    // writes nothing to Juju; update-status then confirms its ready record (status-set only).
    String after0 = container0();
    String after1 = container1();
    for (String unit : List.of(UNIT0, UNIT1)) {
      HookResult again = sim.hook(unit, "peer-relation-changed");
      assertEquals(0, again.exitCode(), again.stderr());
      assertEquals(List.of(), again.writes(), unit + ": " + again.toolCalls());
      HookResult steady = sim.hook(unit, "update-status");
      assertEquals(List.of("status-set"), steady.toolCalls(), unit + " update-status");
    }
    assertEquals(after0, container0(), "unit 0 does not restart a second time");
    assertEquals(after1, container1(), "unit 1 does not restart again");
    assertActive();
  }

  @Test
  @Order(2)
  void aSharedRedisCacheIsFlushed() throws IOException {
    List<String> ran = new ArrayList<>();
    sim.config(Map.of("storage-cache", "redis", "storage-cache-redis-address", redis.address(),
        "storage-cache-redis-password", redis.password(), "storage-cache-redis-db", REDIS_DB), List.of())
        .forEach(h -> ran.add(h.unit() + " " + h.hook() + " " + h.exitCode()));
    assertEquals(List.of(UNIT0 + " config-changed 0", UNIT1 + " config-changed 0"), ran);
    assertActive();
    assertEquals("", label(() -> host.dockerOk("inspect", name)), "no generation with redis");
    Scenario s = new Scenario("it/cache-redis");
    assertTrue(redis.keys(REDIS_DB, "blobs::*").contains("blobs::" + s.layer), "described in redis: " + redis.keys(REDIS_DB, "*"));
    String before1 = container1();
    int hooks1 = sim.hookNames(UNIT1).size();

    ActionOutcome gc = s.deleteAndCollect();
    List<String> described = redis.keys(REDIS_DB, "blobs::*");
    int hooksAfter = sim.hookNames(UNIT1).size();
    String after1 = container1();
    s.pushAgainThroughUnit1AndPullFromBoth();

    // How: unit 0 flushed the database; unit 1 was left alone.
    assertEquals("flushed redis database " + REDIS_DB + " at " + redis.address(), gc.results.get("cache-reset"), gc.results.toString());
    assertFalse(described.contains("blobs::" + s.layer), "flushed: " + described);
    assertEquals(hooks1, hooksAfter, "no hook for unit 1");
    assertEquals(before1, after1, "unit 1's registry kept running: it has no cache of its own");
    List<String> seen = new ArrayList<>(List.of(gc.toString(), gc.results.toString(), gc.stdout, gc.stderr));
    for (String unit : List.of(UNIT0, UNIT1)) {
      sim.logs(unit).forEach(l -> seen.add(l.message));
    }
    for (String text : seen) {
      assertFalse(text.contains(redis.password()), "the redis password leaked: " + text);
    }
  }

  @Test
  @Order(3)
  void pruneDatesEveryImageFromItsConfigInTheBucket() {
    sim.config(Map.of("retention-policy", "- {repository: \"it/*\", keep-last: 0}"), List.of())
        .forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    ActionOutcome prune = sim.runAction(UNIT0, "prune", Map.of());
    assertEquals("completed", prune.status, prune.message);
    assertEquals("0", prune.results.get("unageable"), "every image dated: " + prune.results);
    assertTrue(Integer.parseInt((String) prune.results.get("tags")) >= 2, prune.results.toString());
    sim.config(Map.of(), List.of("retention-policy")).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
  }


  /**
   * One image (one random 1 MiB layer), kept compressed in a directory so that every push sends
   * the same blobs and the same manifest; pushed through both units as {@code repo:a}.
   */
  final class Scenario {
    final String repo;
    final Path image;
    final String digest;
    final String layer;

    Scenario(String repo) throws IOException {
      this.repo = repo;
      String local = TestImages.random(work, "it-cache/src:" + repo.replace('/', '-'), 1 << 20);
      images.add(local);
      image = work.resolve("image-" + repo.replace('/', '-'));
      Cmd.ok("skopeo", "copy", "--dest-compress", "docker-daemon:" + local, "dir:" + image);
      digest = push(unit0, "a");
      assertEquals(digest, push(unit1, "a"), "the same manifest through unit 1 (its blobs exist: skipped, and described)");
      layer = RegistryApi.layers(unit0, repo, "a").get(0);
      assertTrue(Files.exists(blob(layer)), "in the bucket");
    }

    /** Deletes the manifest and garbage-collects through unit 0; the layer is gone from the bucket. */
    ActionOutcome deleteAndCollect() {
      ActionOutcome delete = sim.runAction(UNIT0, "delete", Map.of("image", repo + "@" + digest));
      assertEquals("completed", delete.status, delete.message);
      long t0 = System.nanoTime();
      ActionOutcome gc = sim.runAction(UNIT0, "garbage-collect", Map.of());
      System.out.printf("StaleCacheIT %s: garbage-collect on unit 0 and the hooks it caused %.1f s (read-only %s ms)%n",
          repo, (System.nanoTime() - t0) / 1e9, gc.results.get("read-only-ms"));
      assertEquals("completed", gc.status, gc.message + " " + gc.results);
      assertFalse(Files.exists(blob(layer)), "the collector deleted the layer: " + gc.results);
      return gc;
    }

    /**
     * Another image pushed over {@code repo:a} through unit 0 leaves this one untagged, and
     * garbage-collect removes it through the registry's API on S3 (no delete action), saying
     * from its descriptors how many bytes only it referenced; the layer is gone from the bucket.
     */
    ActionOutcome untagAndCollect() {
      OciImages other = new OciImages(work.resolve("other-" + repo.replace('/', '-')));
      other.push(other.image("amd64", java.time.Instant.now(), other.layer("other.bin", 1_000)), unit0 + "/" + repo + ":a", false);
      ActionOutcome gc = sim.runAction(UNIT0, "garbage-collect", Map.of());
      assertEquals("completed", gc.status, gc.message + " " + gc.results);
      assertEquals("1", gc.results.get("manifests-deleted"), gc.results.toString());
      assertTrue(Long.parseLong((String) gc.results.get("bytes-untagged")) > 1 << 20, "the 1 MiB layer, compressed: " + gc.results);
      assertFalse(Files.exists(blob(layer)), "the collector deleted the layer: " + gc.results);
      return gc;
    }

    /** The same image through unit 1 again: its blobs must really be uploaded, so both units serve it by digest. */
    void pushAgainThroughUnit1AndPullFromBoth() throws IOException {
      assertEquals(digest, push(unit1, "b"));
      for (String netloc : List.of(unit0, unit1)) {
        Path pulled = Files.createTempDirectory(work, "pull");
        try {
          Cmd pull = Cmd.run("skopeo", "copy", "--src-tls-verify=false", "docker://" + netloc + "/" + repo + "@" + digest, "dir:" + pulled);
          assertEquals(0, pull.exitCode(), "pull " + repo + "@" + digest + " from " + netloc + ":\n" + pull.output());
        } finally {
          TestFiles.deleteTree(pulled);
        }
      }
      assertTrue(Files.exists(blob(layer)), "unit 1 uploaded the layer again");
    }

    /** Pushes the image as {@code repo:tag}; returns the manifest digest. */
    private String push(String netloc, String tag) throws IOException {
      Path digestFile = Files.createTempFile(work, "digest", ".txt");
      Cmd.ok("skopeo", "copy", "--dest-tls-verify=false", "--digestfile", digestFile.toString(), "dir:" + image,
          "docker://" + netloc + "/" + repo + ":" + tag);
      String pushed = Files.readString(digestFile).trim();
      Files.delete(digestFile);
      return pushed;
    }
  }

  private Path blob(String digest) {
    return s3.bucket(bucket).resolve(RegistryApi.blobPath(digest));
  }

  private void assertActive() {
    for (String unit : List.of(UNIT0, UNIT1)) {
      assertEquals("active", sim.unitStatus(unit).status, unit + ": " + sim.unitStatus(unit).message);
    }
  }

  /** Id and start time of unit 0's container (this machine's engine). */
  private String container0() {
    return SimUnit.idAndStart(name);
  }

  /** Id and start time of unit 1's container (its host's engine). */
  private String container1() {
    return host.dockerOk("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", name).trim();
  }

  /** The cache generation label in a {@code docker inspect} output, or "". */
  private static String label(Supplier<String> inspect) {
    Matcher m = Pattern.compile("\"" + GENERATION_LABEL.replace(".", "\\.") + "\": \"([0-9]+)\"").matcher(inspect.get());
    return m.find() ? m.group(1) : "";
  }
}
