package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.ConfigYaml;
import charm.registry.RegistryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The charm on a real single-node Swift ({@link SwiftServer}: Debian's swift 2.30, tempauth with a
 * v1 auth URL, memcached). The registry runs in its container on the Docker bridge and reaches the
 * Swift proxy at docker0's address. Push and pull; delete and garbage-collect (the registry's own
 * {@code registry garbage-collect}, run in the container with {@code docker exec}); a fresh, empty
 * Swift container is healthy (distribution#2292); two applications on one Swift container, a
 * public read-only one and a private one with basic auth; the Swift proxy down (the registry
 * answers 503, the unit says so, nothing is replaced) and back.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwiftStorageIT {
  static final Duration OUTAGE_DEADLINE = Duration.ofSeconds(60); // 3 failed checks, 10 s apart
  static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(30); // one good check
  static final String PRIVATE_USER = "pusher";
  static final String PRIVATE_PASSWORD = "Swift-it-" + UUID.randomUUID();

  Path work;
  SwiftServer swift;
  SimUnit unit;
  String container;
  final List<AutoCloseable> cleanup = new ArrayList<>();
  final List<String> images = new ArrayList<>();

  @BeforeAll
  void start() throws IOException {
    work = Files.createTempDirectory("it-swift");
    swift = SwiftServer.start(work.resolve("swift"));
    container = "it-swift-" + UUID.randomUUID().toString().substring(0, 8);
    unit = SimUnit.deploy("it-swift", m -> {
      m.config.putAll(swiftOptions(container));
      m.config.put("storage-delete", true);
    });
  }

  @AfterAll
  void stop() throws Exception {
    for (String image : images) {
      Cmd.run("docker", "rmi", image);
    }
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    if (unit != null) {
      unit.close();
    }
    if (swift != null) {
      swift.close();
    }
    TestFiles.deleteTree(work);
  }

  /** Every storage-swift-* option that tempauth (v1) uses; region, tenant and domain are Keystone's. */
  Map<String, Object> swiftOptions(String swiftContainer) {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("storage-swift-authurl", swift.authUrl());
    options.put("storage-swift-username", swift.user());
    options.put("storage-swift-password", swift.key());
    options.put("storage-swift-container", swiftContainer);
    return options;
  }

  @Test
  @Order(1)
  void aFreshEmptySwiftContainerIsHealthy() {
    unit.assertActive();
    assertEquals(List.of(), swift.objects(container, ""), "the driver created the container, empty");
    assertEquals(200, Http.status("http://" + unit.netloc() + "/"));
    assertTrue(unit.status().message.startsWith("Ready at 127.0.0.1:" + unit.port + " (http)."), unit.status().message);

    // The same config.yml on another empty container, with the health check every second (the
    // charm's is every 10 s, 3 failures in a row): at least 5 checks find no data and pass.
    String empty = "it-empty-" + UUID.randomUUID().toString().substring(0, 8);
    RegistryConfig cfg = RegistryConfig.from(swiftOptions(empty));
    assertEquals(List.of(), cfg.problems());
    String yml = ConfigYaml.render(cfg, new ConfigYaml.Extras("swift-it-secret", null, null));
    try (RegistryProcess registry = RegistryProcess.start(work.resolve("empty"), yml, Map.of(
        "REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL", "1s", "REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD", "1", "REGISTRY_LOG_LEVEL", "debug"))) {
      String url = "http://127.0.0.1:" + registry.port() + "/";
      Poll.until(Duration.ofSeconds(20), () -> {
        assertEquals(200, Http.status(url), "health check failed on an empty container:\n" + registry.log());
        return registry.log().split("swift.Stat\\(\\\\\"/\\\\\"\\)", -1).length > 5;
      }, () -> "fewer than 5 health checks:\n" + registry.log());
      assertEquals(200, Http.status(url + "v2/"));
      assertEquals(List.of(), swift.objects(empty, ""), "still empty");
    }
  }

  @Test
  @Order(2)
  void pushPullDeleteAndGarbageCollect() throws IOException {
    String ref = unit.netloc() + "/it/swift:1";
    TestImages.random(work, ref, 3 << 20);
    images.add(ref);
    String digest = push(ref);
    List<String> layers = RegistryApi.layers(unit.netloc(), "it/swift", "1");
    assertEquals(1, layers.size());
    String blob = "files/" + RegistryApi.blobPath(layers.get(0));
    assertEquals(List.of(blob), swift.objects(container, blob), "the layer is in the Swift container");

    Cmd.ok("docker", "rmi", ref);
    Cmd.ok("docker", "pull", ref);
    assertTrue(digests(ref).contains("@" + digest), "pulled back with the pushed digest: " + digests(ref));

    assertEquals(202, RegistryApi.deleteManifest(unit.netloc(), "it/swift", digest));
    String gc = Cmd.ok("docker", "exec", unit.name, "/bin/registry", "garbage-collect", "/etc/docker/registry/config.yml");
    assertTrue(gc.contains("blob eligible for deletion: " + layers.get(0)), gc);
    assertEquals(List.of(), swift.objects(container, blob), "garbage-collect removed the layer from Swift");
    assertEquals(404, Http.status("http://" + unit.netloc() + "/v2/it/swift/manifests/" + digest), "the manifest is gone");
    // Not checked through the registry: its blob descriptor cache (inmemory) still describes the
    // layer until the registry restarts; garbage-collect does not tell it.
  }

  @Test
  @Order(3)
  void aPublicReadOnlyAndAPrivateApplicationShareOneContainer() throws IOException {
    String shared = "it-shared-" + UUID.randomUUID().toString().substring(0, 8);
    SimUnit privateUnit = SimUnit.deploy("it-swift-private", m -> {
      m.config.putAll(swiftOptions(shared));
      m.config.put("auth-basic-user", PRIVATE_USER);
      m.config.put("auth-basic-password", PRIVATE_PASSWORD);
    });
    cleanup.add(privateUnit);
    SimUnit publicUnit = SimUnit.deploy("it-swift-public", m -> {
      m.config.putAll(swiftOptions(shared));
      m.config.put("storage-read-only", true);
    });
    cleanup.add(publicUnit);
    privateUnit.assertActive();
    publicUnit.assertActive();

    String[] credentials = RegistryApi.basic(PRIVATE_USER, PRIVATE_PASSWORD);
    assertEquals(401, RegistryApi.startUpload(privateUnit.netloc(), "it/anonymous"), "an anonymous push to private");
    Path dockerConfig = Files.createDirectories(work.resolve("docker-config"));
    String privateRef = privateUnit.netloc() + "/it/shared:1";
    TestImages.tiny(work, privateRef);
    images.add(privateRef);
    assertNotEquals(0, docker(dockerConfig, "push", privateRef).exitCode(), "docker refuses an anonymous push to private");
    assertEquals(0, docker(dockerConfig, "login", "-u", PRIVATE_USER, "-p", PRIVATE_PASSWORD, privateUnit.netloc()).exitCode());
    Cmd pushed = docker(dockerConfig, "push", privateRef);
    assertEquals(0, pushed.exitCode(), pushed.output());
    String digest = TestImages.pushedDigest(pushed.output());
    assertEquals(digest, RegistryApi.manifestDigest(privateUnit.netloc(), "it/shared", "1", credentials));

    String publicRef = publicUnit.netloc() + "/it/shared:1";
    images.add(publicRef);
    assertEquals(200, Http.status("http://" + publicUnit.netloc() + "/v2/"), "public asks for no credentials");
    Cmd.ok("docker", "pull", publicRef);
    assertTrue(digests(publicRef).contains("@" + digest), "the private push, pulled from public without credentials, same digest");

    assertEquals(405, RegistryApi.startUpload(publicUnit.netloc(), "it/shared"), "public is read-only");
    String publicPush = publicUnit.netloc() + "/it/public:1";
    Cmd.ok("docker", "tag", publicRef, publicPush);
    images.add(publicPush);
    assertNotEquals(0, Cmd.run("docker", "push", publicPush).exitCode(), "a push to public is refused");
    for (String seen : privateUnit.observableText()) {
      assertFalse(seen.contains(PRIVATE_PASSWORD), "the password leaked: " + seen);
    }
  }

  @Test
  @Order(4)
  void theSwiftProxyDownIsReportedAndTheRegistryRecovers() {
    unit.hook("update-status");
    unit.assertActive();
    String before = SimUnit.idAndStart(unit.name);
    swift.stopProxy();
    long t0 = System.nanoTime();
    Poll.until(OUTAGE_DEADLINE, () -> {
      unit.hook("update-status");
      return unit.status().status.equals("blocked");
    }, () -> "still " + unit.status().status + ": " + unit.status().message);
    long detected = (System.nanoTime() - t0) / 1_000_000;
    assertEquals("Storage unavailable: the registry answers 503, its swift storage fails its health check;"
        + " it serves again once the storage answers", unit.status().message);
    assertEquals(503, Http.status("http://" + unit.netloc() + "/v2/"));
    assertEquals(before, SimUnit.idAndStart(unit.name), "the container was neither replaced nor restarted");

    swift.startProxy();
    long t1 = System.nanoTime();
    Poll.until(RECOVERY_DEADLINE, () -> {
      unit.hook("update-status");
      return unit.status().status.equals("active");
    }, () -> "still " + unit.status().status + ": " + unit.status().message);
    long recovered = (System.nanoTime() - t1) / 1_000_000;
    System.out.println("swift proxy down: reported after " + detected + " ms; back: active after " + recovered + " ms");
    assertEquals(before, SimUnit.idAndStart(unit.name));
    assertEquals(200, Http.status("http://" + unit.netloc() + "/v2/"));
  }

  private String push(String ref) {
    return TestImages.push(ref);
  }

  private static String digests(String ref) {
    return Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref);
  }

  private static Cmd docker(Path config, String... args) {
    List<String> argv = new ArrayList<>(List.of("docker", "--config", config.toString()));
    argv.addAll(List.of(args));
    return Cmd.run(argv.toArray(String[]::new));
  }
}
