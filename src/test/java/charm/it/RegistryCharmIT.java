package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import jujusim.ActionOutcome;
import jujusim.HookResult;
import jujusim.Sim;
import jujusim.SimOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packed charm, driven through its real dispatch by the simulator, operating a real registry
 * container on the local Docker engine; observed with the real docker and skopeo clients.
 *
 * <p>One unit is deployed for the class; every test leaves it back at the default config.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryCharmIT {
  static final String UNIT = "docker-registry/0";
  static final Path CHARM = Path.of(System.getProperty("charm.file", "target/docker-registry.charm"));

  Path work;
  Path root;
  Sim sim;
  String name;
  int port;
  String netloc;
  String tiny;

  @BeforeAll
  void deploy() throws IOException {
    work = Files.createTempDirectory("registry-it");
    root = UnitRoot.create(work.resolve("root"));
    name = "it-registry-" + UUID.randomUUID().toString().substring(0, 8);
    port = freePort();
    netloc = "127.0.0.1:" + port;
    sim = Sim.create(work.resolve("sim"), CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
    // Operators set these at deploy time; the unit must come up with them, not the defaults.
    sim.model().config.put("registry-name", name);
    sim.model().config.put("registry-port", port);
    List<HookResult> hooks = sim.deploy(1);
    hooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    tiny = TestImages.tiny(work, "it/tiny:" + name);
  }

  @AfterAll
  void destroy() {
    try {
      if (sim != null) {
        SimUnit.destroyAndCheck(sim, root);
      }
    } finally {
      cleanUp();
    }
  }

  private void cleanUp() {
    Cmd.run("docker", "rm", "-fv", name, name + "-renamed");
    for (String line : Cmd.lines(Cmd.run("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").output())) {
      if (line.contains(name) || line.startsWith("127.0.0.1:" + port + "/")) {
        Cmd.run("docker", "rmi", "-f", line);
      }
    }
    Cmd.run("rm", "-rf", work.toString());
  }

  @AfterEach
  void backToActive() {
    assertEquals("active", sim.unitStatus(UNIT).status, "each test leaves the unit active: " + sim.unitStatus(UNIT).message);
  }

  @Test
  @Order(1)
  void deployedUnitIsActiveWithVersionPortAndPrivateConfig() throws IOException {
    assertEquals("Ready at " + netloc + " (http).", sim.unitStatus(UNIT).message);
    assertEquals("2.8.2+ds1", sim.workloadVersion(UNIT));
    assertEquals(List.of(port + "/tcp"), sim.openedPorts(UNIT));
    Path config = root.resolve("etc/docker/registry/config.yml");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
    String secret = sim.localAppData(sim.peerRelationId("peer")).get("http-secret");
    assertEquals(44, secret.length(), "base64 of 32 random bytes");
    assertEquals(null, sim.leaderSettings().get("http-secret"), "shared through the peer relation, not leader-set");
    assertTrue(Files.readString(config).contains("secret: \"" + secret + "\"\n"));
    assertEquals(List.of("true", "[ALL]", "[no-new-privileges:true]", "unless-stopped"),
        Cmd.lines(Cmd.ok("docker", "inspect", "-f",
            "{{.HostConfig.ReadonlyRootfs}}\n{{.HostConfig.CapDrop}}\n{{.HostConfig.SecurityOpt}}\n{{.HostConfig.RestartPolicy.Name}}", name)));
    assertEquals(200, Http.status("http://" + netloc + "/v2/"));
  }

  @Test
  @Order(2)
  void pushPullAndSkopeoCopy() {
    push("it/tiny:1");
    String ref = netloc + "/it/tiny:1";
    Cmd.ok("docker", "rmi", ref);
    Cmd.ok("docker", "pull", ref);
    Cmd.ok("skopeo", "copy", "--dest-tls-verify=false", "docker-daemon:" + tiny, "docker://" + netloc + "/it/skopeo:1");
    String catalog = Http.send("GET", "http://" + netloc + "/v2/_catalog").body();
    assertTrue(catalog.contains("\"it/tiny\"") && catalog.contains("\"it/skopeo\""), catalog);
    assertTrue(Files.isDirectory(root.resolve("srv/registry/docker/registry/v2/repositories/it/tiny")), "data lives in /srv/registry");
  }

  @Test
  @Order(3)
  void identicalHooksChangeNothing() throws IOException {
    String before = containerIdAndStart();
    Path config = root.resolve("etc/docker/registry/config.yml");
    FileTime old = FileTime.fromMillis(1_000_000_000L);
    Files.setLastModifiedTime(config, old);
    Map<String, String> stateBefore = sim.unitState(UNIT);
    for (String hook : List.of("config-changed", "config-changed", "update-status", "upgrade-charm", "leader-elected")) {
      HookResult result = hook(hook);
      assertEquals(List.of(), result.writes(), hook + " wrote nothing to Juju (tools: " + result.toolCalls() + ")");
      assertEquals(before, containerIdAndStart(), hook + " kept the container");
      assertEquals(old, Files.getLastModifiedTime(config), hook + " did not rewrite config.yml");
      assertEquals(List.of(port + "/tcp"), sim.openedPorts(UNIT));
      assertEquals(stateBefore, sim.unitState(UNIT));
    }
  }

  @Test
  @Order(4)
  void readOnlyRejectsPushesWhilePullsWork() {
    push("it/tiny:ro-before");
    configure(Map.of("storage-read-only", true));
    Cmd.ok("docker", "tag", tiny, netloc + "/it/tiny:ro");
    Cmd denied = Cmd.run("docker", "push", netloc + "/it/tiny:ro");
    assertNotEquals(0, denied.exitCode(), denied.output());
    Cmd.ok("docker", "rmi", netloc + "/it/tiny:ro-before");
    Cmd.ok("docker", "pull", netloc + "/it/tiny:ro-before");
    reset("storage-read-only");
    push("it/tiny:ro");
  }

  @Test
  @Order(5)
  void deleteByDigestFollowsStorageDelete() {
    push("it/del:1");
    String digest = manifestDigest("it/del", "1");
    String url = "http://" + netloc + "/v2/it/del/manifests/" + digest;
    assertEquals(405, Http.send("DELETE", url).statusCode(), "deletes are off by default");
    configure(Map.of("storage-delete", true));
    assertEquals(202, Http.send("DELETE", url).statusCode());
    assertEquals(404, Http.send("GET", url, "Accept", "application/vnd.docker.distribution.manifest.v2+json").statusCode());
    reset("storage-delete");
    push("it/del:2");
    assertEquals(405, Http.send("DELETE", "http://" + netloc + "/v2/it/del/manifests/" + manifestDigest("it/del", "2")).statusCode());
  }

  @Test
  @Order(6)
  void prometheusMetricsOnTheDebugPort() throws IOException {
    int debug = freePort();
    configure(Map.of("prometheus-metrics", true, "debug-port", debug));
    Http.await("http://127.0.0.1:" + debug + "/metrics", s -> s == 200, Duration.ofSeconds(20));
    assertTrue(Http.send("GET", "http://127.0.0.1:" + debug + "/metrics").body().contains("registry_"), "prometheus series");
    assertEquals(Set.of(port + "/tcp", debug + "/tcp"), Set.copyOf(sim.openedPorts(UNIT)));
    reset("prometheus-metrics", "debug-port");
    assertEquals(List.of(port + "/tcp"), sim.openedPorts(UNIT), "debug port closed again");
    assertEquals(-1, Http.status("http://127.0.0.1:" + debug + "/metrics"));
  }

  @Test
  @Order(7)
  void httpHostMakesLocationHeadersAbsolute() {
    String upload = "http://" + netloc + "/v2/it/tiny/blobs/uploads/";
    assertTrue(location(upload).startsWith("/v2/it/tiny/blobs/uploads/"), "relative without http-host");
    configure(Map.of("http-host", "https://registry.example.com:8443/"));
    assertTrue(location(upload).startsWith("https://registry.example.com:8443/v2/it/tiny/blobs/uploads/"), location(upload));
    reset("http-host");
  }

  @Test
  @Order(8)
  void registryPortMovesTheRegistryAndTheOpenedPort() throws IOException {
    int other = freePort();
    configure(Map.of("registry-port", other));
    assertEquals(List.of(other + "/tcp"), sim.openedPorts(UNIT));
    assertEquals("Ready at 127.0.0.1:" + other + " (http).", sim.unitStatus(UNIT).message);
    assertEquals(200, Http.status("http://127.0.0.1:" + other + "/v2/"));
    assertEquals(-1, Http.status("http://" + netloc + "/v2/"), "old port no longer served");
    Cmd.ok("docker", "pull", "127.0.0.1:" + other + "/it/tiny:1");
    Cmd.run("docker", "rmi", "127.0.0.1:" + other + "/it/tiny:1");
    configure(Map.of("registry-port", port));
    assertEquals(List.of(port + "/tcp"), sim.openedPorts(UNIT));
  }

  @Test
  @Order(9)
  void proxySettingsReachTheContainer() {
    // Credentials in the option are copied as given: the README says they show in docker inspect.
    configure(Map.of("registry-http-proxy", "http://proxy.example:3128", "registry-https-proxy", "http://it-user:it-pass@proxy.example:3129"));
    String env = Cmd.ok("docker", "inspect", "-f", "{{json .Config.Env}}", name);
    assertTrue(env.contains("\"HTTP_PROXY=http://proxy.example:3128\"") && env.contains("\"HTTPS_PROXY=http://it-user:it-pass@proxy.example:3129\""), env);
    reset("registry-http-proxy", "registry-https-proxy");
    assertFalse(Cmd.ok("docker", "inspect", "-f", "{{json .Config.Env}}", name).contains("PROXY"));
  }

  @Test
  @Order(10)
  void renamingTheContainerRemovesTheOldOne() {
    configure(Map.of("registry-name", name + "-renamed"));
    assertEquals(1, Cmd.run("docker", "inspect", name).exitCode(), "old container removed");
    assertEquals("true", Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", name + "-renamed").trim());
    Cmd.ok("docker", "pull", netloc + "/it/tiny:1");
    configure(Map.of("registry-name", name));
    assertEquals(1, Cmd.run("docker", "inspect", name + "-renamed").exitCode());
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        Arguments.of(Map.of("storage-cache", "redis"), "storage-cache"),
        Arguments.of(Map.of("log-level", "verbose"), "log-level"),
        Arguments.of(Map.of("registry-port", 0), "registry-port"),
        Arguments.of(Map.of("registry-port", 70000), "registry-port"),
        Arguments.of(Map.of("debug-port", 5000, "registry-port", 5000), "registry-port"),
        Arguments.of(Map.of("http-host", "ftp://example.com/"), "http-host"),
        Arguments.of(Map.of("http-host", "https://example.com/registry"), "http-host"),
        Arguments.of(Map.of("registry-name", "bad name!"), "registry-name"),
        Arguments.of(Map.of("storage-swift-authurl", "http://keystone:5000/v3"), "storage-swift"),
        Arguments.of(Map.of("storage-s3-region", "us-east-1"), "storage-s3-bucket"),
        Arguments.of(Map.of("storage-s3-region", "us-east-1", "storage-s3-bucket", "b", "storage-s3-chunksize", 1024), "storage-s3-chunksize"),
        Arguments.of(Map.of("storage-s3-region", "us-east-1", "storage-s3-bucket", "b", "storage-s3-storageclass", "GLACIER"), "storage-s3-storageclass"),
        Arguments.of(Map.of("storage-s3-region", "us-east-1", "storage-s3-bucket", "b", "storage-s3-objectacl", "log-delivery-write"),
            "storage-s3-objectacl"),
        Arguments.of(Map.of("registry-http-proxy", "not a url"), "registry-http-proxy"),
        Arguments.of(Map.of("cache-remoteurl", "::nope"), "cache-remoteurl"),
        Arguments.of(
            Map.of("storage-swift-authurl", "http://k:5000/v3", "storage-swift-username", "u", "storage-swift-password", "p",
                "storage-s3-region", "us-east-1", "storage-s3-bucket", "b"),
            "storage-swift-authurl"));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("invalidValues")
  @Order(11)
  void invalidConfigBlocksAndLeavesTheRegistryAlone(Map<String, Object> bad, String option) {
    String before = containerIdAndStart();
    List<HookResult> hooks = sim.config(bad, List.of());
    hooks.forEach(h -> assertEquals(0, h.exitCode(), "no crash for a user mistake: " + h.stderr()));
    assertEquals("blocked", sim.unitStatus(UNIT).status);
    assertTrue(sim.unitStatus(UNIT).message.startsWith("Invalid charm config: "), sim.unitStatus(UNIT).message);
    assertTrue(sim.unitStatus(UNIT).message.contains(option), sim.unitStatus(UNIT).message);
    for (HookResult h : hooks) {
      assertFalse(h.stderr().contains("Exception"), "no stack trace: " + h.stderr());
    }
    assertEquals(before, containerIdAndStart(), "container untouched");
    Cmd.run("docker", "rmi", netloc + "/it/tiny:1");
    Cmd.ok("docker", "pull", netloc + "/it/tiny:1");
    restore(bad.keySet());
    assertEquals(before, containerIdAndStart(), "back to the same spec: same container");
  }

  @Test
  @Order(12)
  void waitsForAnEngineThatDoesNotAnswerAndRecovers() throws IOException {
    String before = containerIdAndStart();
    UnitRoot.disconnectEngine(root);
    try {
      List<HookResult> hooks = sim.config(Map.of("log-level", "debug"), List.of());
      hooks.forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
      assertEquals("waiting", sim.unitStatus(UNIT).status);
      assertEquals("Waiting for the Docker engine", sim.unitStatus(UNIT).message);
    } finally {
      UnitRoot.connectEngine(root);
    }
    hook("update-status");
    assertEquals("active", sim.unitStatus(UNIT).status, "recovered on the next hook");
    assertNotEquals(before, containerIdAndStart(), "the pending log-level change was applied");
    reset("log-level");
  }

  @Test
  @Order(13)
  void stopAndStartActions() {
    ActionOutcome stop = sim.runAction(UNIT, "stop", Map.of());
    assertEquals("completed", stop.status, stop.message);
    assertEquals(1, Cmd.run("docker", "inspect", name).exitCode(), "removed by default");
    assertEquals("blocked", sim.unitStatus(UNIT).status);
    assertEquals(name + " container was stopped.", sim.unitStatus(UNIT).message);
    for (String hook : List.of("update-status", "config-changed")) {
      hook(hook);
      assertEquals("blocked", sim.unitStatus(UNIT).status, hook + " keeps the operator's stop");
      assertEquals(1, Cmd.run("docker", "inspect", name).exitCode(), hook + " did not recreate it");
    }
    ActionOutcome wrong = sim.runAction(UNIT, "start", Map.of("name", "someone-elses-container"));
    assertEquals("failed", wrong.status);
    assertTrue(wrong.message.contains("not this unit's registry"), wrong.message);

    ActionOutcome start = sim.runAction(UNIT, "start", Map.of());
    assertEquals("completed", start.status, start.message);
    assertEquals("active", sim.unitStatus(UNIT).status);
    Cmd.run("docker", "rmi", netloc + "/it/tiny:1");
    Cmd.ok("docker", "pull", netloc + "/it/tiny:1");

    ActionOutcome stopKeep = sim.runAction(UNIT, "stop", Map.of("remove", false));
    assertEquals("completed", stopKeep.status);
    assertEquals("false", Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", name).trim());
    assertEquals("completed", sim.runAction(UNIT, "start", Map.of()).status);
    assertEquals("true", Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", name).trim());
  }

  @Test
  @Order(14)
  void updateStatusNoticesAContainerStoppedBehindItsBack() {
    Cmd.ok("docker", "stop", name);
    hook("update-status");
    assertEquals("blocked", sim.unitStatus(UNIT).status);
    assertEquals(name + " container is stopped.", sim.unitStatus(UNIT).message);
    assertEquals("completed", sim.runAction(UNIT, "start", Map.of()).status);
    hook("update-status");
  }

  @Test
  @Order(15)
  void aRegistryPortInUseBlocksUntilItIsFree() throws IOException {
    int busy = freePort();
    try (ServerSocket squatter = new ServerSocket(busy)) {
      List<HookResult> hooks = sim.config(Map.of("registry-port", busy), List.of());
      hooks.forEach(h -> assertEquals(0, h.exitCode(), "a busy port is not a crash: " + h.stderr()));
      assertEquals("blocked", sim.unitStatus(UNIT).status);
      assertTrue(sim.unitStatus(UNIT).message.startsWith("Cannot start " + name + ": "), sim.unitStatus(UNIT).message);
      assertTrue(sim.unitStatus(UNIT).message.contains(String.valueOf(busy)), sim.unitStatus(UNIT).message);
    }
    // update-status does not try the failed spec again for an hour (FailedReplacement); config-changed does.
    hook("update-status");
    assertTrue(sim.unitStatus(UNIT).message.contains("update-status tries again at "), sim.unitStatus(UNIT).message);
    hook("config-changed");
    assertEquals("active", sim.unitStatus(UNIT).status, "recovers once the port is free");
    assertEquals(200, Http.status("http://127.0.0.1:" + busy + "/v2/"));
    configure(Map.of("registry-port", port));
  }

  @Test
  @Order(16)
  void anImageThatCannotBePulledBlocksAndKeepsTheRunningRegistry() {
    String before = containerIdAndStart();
    List<HookResult> hooks = sim.config(Map.of("registry-image", "127.0.0.1:1/nowhere/registry:2"), List.of());
    hooks.forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    assertEquals("blocked", sim.unitStatus(UNIT).status);
    assertEquals("Cannot pull registry-image 127.0.0.1:1/nowhere/registry:2", sim.unitStatus(UNIT).message);
    assertEquals(before, containerIdAndStart(), "the running registry is left alone");
    Cmd.ok("docker", "pull", netloc + "/it/tiny:1");
    reset("registry-image");
    assertEquals(before, containerIdAndStart());
  }

  @Test
  @Order(17)
  void pushActionTagsAndPushesALocalImage() {
    ActionOutcome push = sim.runAction(UNIT, "push", Map.of("image", tiny, "pull", false));
    assertEquals("completed", push.status, push.message);
    String expected = netloc + "/" + tiny;
    assertEquals("pushed " + expected, push.results.get("raw"));
    assertEquals("success", push.results.get("outcome"));
    String tags = Http.send("GET", "http://" + netloc + "/v2/it/tiny/tags/list").body();
    assertTrue(tags.contains("\"" + name + "\""), tags);
  }

  @Test
  @Order(18)
  void pushActionPullsFirstAndTakesAnExplicitTag() {
    String target = netloc + "/it/copied:7";
    ActionOutcome push = sim.runAction(UNIT, "push", Map.of("image", netloc + "/it/tiny:1", "tag", target));
    assertEquals("completed", push.status, push.message);
    assertTrue(push.logs.stream().anyMatch(l -> l.startsWith("Pulling ")), push.logs.toString());
    assertEquals(200, Http.send("GET", "http://" + netloc + "/v2/it/copied/manifests/7",
        "Accept", "application/vnd.docker.distribution.manifest.v2+json").statusCode());

    ActionOutcome missing = sim.runAction(UNIT, "push", Map.of("image", "127.0.0.1:1/nothing/here:1"));
    assertEquals("failed", missing.status);
    assertTrue(missing.message.startsWith("Could not push "), missing.message);
  }

  @Test
  @Order(19)
  void imagesAndRmiActions() {
    Cmd.ok("docker", "tag", tiny, netloc + "/it/rmi-me:1");
    ActionOutcome images = sim.runAction(UNIT, "images", Map.of("repository", netloc + "/it/rmi-me"));
    assertEquals("completed", images.status, images.message);
    List<String> lines = Cmd.lines((String) images.results.get("output"));
    assertTrue(lines.get(0).startsWith("REPOSITORY"), lines.toString());
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(1).startsWith(netloc + "/it/rmi-me") && lines.get(1).contains(" 1 "), lines.toString());

    ActionOutcome rmi = sim.runAction(UNIT, "rmi", Map.of("image", netloc + "/it/rmi-me:1 " + netloc + "/it/never-was:1"));
    assertEquals("completed", rmi.status, "a missing image is reported, not fatal: " + rmi.message);
    assertEquals(netloc + "/it/never-was:1", rmi.results.get("missing"));
    assertTrue(((String) rmi.results.get("output")).startsWith("Removed " + netloc + "/it/rmi-me:1"));
    assertEquals(1, Cmd.run("docker", "image", "inspect", netloc + "/it/rmi-me:1").exitCode(), "gone from the engine");

    ActionOutcome unsafe = sim.runAction(UNIT, "images", Map.of("options", "--format {{json .}}"));
    assertEquals("failed", unsafe.status);
    assertTrue(unsafe.message.startsWith("Unsupported images option"), unsafe.message);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Runs one hook on the unit; it must exit 0. */
  private HookResult hook(String hookName) {
    HookResult h = sim.hook(UNIT, hookName);
    assertEquals(0, h.exitCode(), h + "\n" + h.stderr());
    return h;
  }

  private void configure(Map<String, Object> values) {
    List<HookResult> hooks = sim.config(values, List.of());
    hooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
  }

  private void reset(String... options) {
    List<HookResult> hooks = sim.config(Map.of(), List.of(options));
    hooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    assertEquals("active", sim.unitStatus(UNIT).status, sim.unitStatus(UNIT).message);
  }

  /** Back to the deploy-time values: the fixture's own settings, else the defaults. */
  private void restore(Set<String> options) {
    Map<String, Object> fixture = Map.of("registry-name", name, "registry-port", port);
    Map<String, Object> set = new java.util.HashMap<>();
    List<String> reset = new java.util.ArrayList<>();
    options.forEach(o -> {
      if (fixture.containsKey(o)) {
        set.put(o, fixture.get(o));
      } else {
        reset.add(o);
      }
    });
    sim.config(set, reset).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
  }

  private void push(String repoTag) {
    String ref = netloc + "/" + repoTag;
    Cmd.ok("docker", "tag", tiny, ref);
    Cmd.ok("docker", "push", ref);
  }

  private String containerIdAndStart() {
    return Cmd.ok("docker", "inspect", "-f", "{{.Id}} {{.State.StartedAt}}", name).trim();
  }

  private String manifestDigest(String repo, String tag) {
    HttpResponse<String> r =
        Http.send("HEAD", "http://" + netloc + "/v2/" + repo + "/manifests/" + tag, "Accept", "application/vnd.docker.distribution.manifest.v2+json");
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  private static String location(String uploadUrl) {
    HttpResponse<String> r = Http.send("POST", uploadUrl);
    assertEquals(202, r.statusCode());
    String location = r.headers().firstValue("Location").orElseThrow();
    Http.send("DELETE", location.startsWith("/") ? uploadUrl.substring(0, uploadUrl.indexOf("/v2/")) + location : uploadUrl);
    return location;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
