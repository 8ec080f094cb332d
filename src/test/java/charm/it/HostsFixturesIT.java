package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fixtures for tests with two units on two "machines": {@link TestHost} (a second Docker
 * engine in its own network namespace) and {@link Haproxy} (the real haproxy, configured from the
 * {@code services} YAML of the website relation). Registries here are plain {@code registry:2}
 * containers started with the docker CLI, not the charm.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("timing") // runs alone (pom.xml): its assertions are about time (failover within a bound, two extra engines)
class HostsFixturesIT {
  static final String CHECK_HTTP = "/usr/lib/nagios/plugins/check_http";
  static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(20);

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> mainContainers = new ArrayList<>();
  private final List<String> tags = new ArrayList<>();
  private Path work;
  private TestHost host;

  @BeforeAll
  void startHost() throws IOException {
    work = Files.createTempDirectory("hosts-it");
    long t0 = System.nanoTime();
    host = TestHost.start(work.resolve("host"));
    System.out.printf("TestHost %s started in %d ms (namespace, veth, dockerd, %s loaded)%n", host, millisSince(t0), TestHost.IMAGE);
  }

  @AfterAll
  void cleanUp() {
    try {
      mainContainers.forEach(c -> Cmd.run("docker", "rm", "-f", c));
      tags.forEach(t -> Cmd.run("docker", "rmi", t));
      if (host != null) {
        long t0 = System.nanoTime();
        host.close();
        System.out.printf("TestHost closed in %d ms%n", millisSince(t0));
        assertEquals(List.of(), host.leftovers());
      }
    } finally {
      Cmd.run("rm", "-rf", "--one-file-system", work.toString());
    }
  }

  @Test
  void bothEnginesPublishTheSamePortAndBindMountThroughSymlinks() throws IOException {
    int port = TestNet.freePort();
    // Each registry reads its config.yml through a symlink to the real directory, and says which it is.
    Path mainLink = symlinkedConfig("main", "X-Engine: [main]");
    Path hostLink = symlinkedConfig("host", "X-Engine: [host]");
    String mainName = runMain("it-hosts-" + run + "-same-port", "-p", port + ":5000",
        "--mount", "type=bind,source=" + mainLink + ",target=/etc/docker/registry,readonly", TestHost.IMAGE);
    host.dockerOk("run", "-d", "--name", "it-hosts-" + run + "-same-port", "-p", port + ":5000",
        "--mount", "type=bind,source=" + hostLink + ",target=/etc/docker/registry,readonly", TestHost.IMAGE);

    assertEquals("0.0.0.0:" + port, Cmd.lines(Cmd.ok("docker", "port", mainName, "5000/tcp")).get(0));
    assertEquals("main", engineAnswering("http://127.0.0.1:" + port + "/v2/"));
    assertEquals("host", engineAnswering("http://" + host.address() + ":" + port + "/v2/"));
  }

  @Test
  void aUnitRootLinkedToTheHostReachesItsEngine() {
    Path root = work.resolve("unit-on-host/root");
    host.connect(root);
    String dataRoot = Cmd.ok("docker", "-H", "unix://" + root.resolve("var/run/docker.sock"), "info", "--format", "{{.DockerRootDir}}").trim();
    assertEquals(work.resolve("host/data").toString(), dataRoot);
  }

  @Test
  void aSecondHostGetsItsOwnSubnetAndLeavesNothingBehind() {
    long t0 = System.nanoTime();
    TestHost second = TestHost.start(work.resolve("host2"));
    long started = millisSince(t0);
    try {
      assertNotEquals(host.address(), second.address());
      assertEquals("registry:2", second.dockerOk("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", TestHost.IMAGE).trim());
    } finally {
      t0 = System.nanoTime();
      second.close();
      System.out.printf("second TestHost %s: started in %d ms, closed in %d ms%n", second.namespace(), started, millisSince(t0));
    }
    assertEquals(List.of(), second.leftovers());
  }

  @Test
  void haproxyFailsOverToTheBackupOnTheOtherHost() throws IOException {
    int port = TestNet.freePort(); // registry-port: the same on both "machines"
    Path storage = TestFiles.mkdirs(work.resolve("unit0/srv/registry"));
    Path unit1Storage = work.resolve("unit1/srv/registry"); // the second unit shares the first's
    TestFiles.mkdirs(unit1Storage.getParent());
    Files.createSymbolicLink(unit1Storage, storage);
    Path config = TestFiles.write(work.resolve("failover/config.yml"), registryConfig(secret(), ""));

    String primary = runMain("it-hosts-" + run + "-primary", "-p", port + ":5000",
        "--mount", "type=bind,source=" + storage + ",target=/var/lib/registry",
        "--mount", "type=bind,source=" + config + ",target=/etc/docker/registry/config.yml,readonly", TestHost.IMAGE);
    host.dockerOk("run", "-d", "--name", "it-hosts-" + run + "-backup", "-p", port + ":5000",
        "--mount", "type=bind,source=" + unit1Storage + ",target=/var/lib/registry",
        "--mount", "type=bind,source=" + config + ",target=/etc/docker/registry/config.yml,readonly", TestHost.IMAGE);
    String primaryIp = TestNet.hostAddress(); // the first machine's address (docker0's)
    Http.await("http://" + primaryIp + ":" + port + "/v2/", s -> s == 200, Duration.ofSeconds(10));
    Http.await("http://" + host.address() + ":" + port + "/v2/", s -> s == 200, Duration.ofSeconds(10));

    try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy"), servicesYaml(port, primaryIp, host.address()))) {
      System.out.println("haproxy configuration:\n" + haproxy.config());
      Poll.until(Duration.ofSeconds(10), () -> haproxy.serverState("docker-registry-0").equals("UP") && haproxy.serverState("docker-registry-1").equals("UP"),
          () -> "servers not UP:\n" + haproxy.admin("show stat"));
      assertEquals(0, checkHttp("127.0.0.1", port).exitCode(), "check_http, running registry");
      assertEquals(0, checkHttp(host.address(), port).exitCode(), "check_http, registry on the other host");
      assertEquals(0, checkHttp("127.0.0.1", haproxy.port()).exitCode(), "check_http through haproxy");

      String ref = "127.0.0.1:" + haproxy.port() + "/it-hosts-" + run + "/tiny:1";
      TestImages.tiny(work, ref);
      tags.add(ref);
      String digest = TestImages.push(ref);
      Cmd.ok("docker", "rmi", ref); // so that the pull below has to fetch it

      long t0 = System.nanoTime();
      Cmd.ok("docker", "stop", primary);
      long stopped = millisSince(t0);
      List<String> failed = new ArrayList<>(); // when each failed pull ended, and why
      Cmd pull;
      while ((pull = Cmd.run("docker", "pull", ref)).exitCode() != 0) {
        failed.add(millisSince(t0) + " ms, primary " + haproxy.serverState("docker-registry-0") + ": " + lastLine(pull.output()));
        assertTrue(System.nanoTime() - t0 < FAILOVER_DEADLINE.toNanos(), "no pull through haproxy " + FAILOVER_DEADLINE + " after the stop; last:\n" + pull.output() + "\n" + haproxy.log());
      }
      long failover = millisSince(t0);
      System.out.printf("failover: first good pull %d ms after docker stop was issued (stop took %d ms); failed pulls before: %s%n", failover, stopped, failed);

      String repoDigests = Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref);
      assertTrue(repoDigests.contains("@" + digest), digest + " not in " + repoDigests);
      assertEquals("DOWN", haproxy.serverState("docker-registry-0"));
      assertEquals("UP", haproxy.serverState("docker-registry-1"));
      Cmd stoppedCheck = checkHttp("127.0.0.1", port);
      assertEquals(2, stoppedCheck.exitCode(), "check_http, stopped registry: " + stoppedCheck.output());
      assertEquals(0, checkHttp("127.0.0.1", haproxy.port()).exitCode(), "check_http through haproxy, on the backup");
    }
  }

  @Test
  void reloadIsGracefulAndAppliesTheNewServers() {
    try (RegistryProcess a = RegistryProcess.start(work.resolve("reload-a"), RegistryProcess.baseConfig(work.resolve("reload-a/data")));
        RegistryProcess b = RegistryProcess.start(work.resolve("reload-b"), RegistryProcess.baseConfig(work.resolve("reload-b/data")));
        Haproxy haproxy = Haproxy.start(work.resolve("reload-haproxy"), servicesYaml("a", a.port(), "127.0.0.1", null, 0))) {
      String url = "http://127.0.0.1:" + haproxy.port() + "/v2/";
      Http.await(url, s -> s == 200, Duration.ofSeconds(10));
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      List<Integer> bad = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread client = new Thread(() -> {
        while (!done.get()) {
          int status = Http.status(url);
          if (status == 200) {
            ok.incrementAndGet();
          } else {
            bad.add(status);
          }
        }
      });
      client.start();
      long oldPid = haproxy.pid();
      long reloaded = 0;
      try {
        Poll.until(Duration.ofSeconds(5), () -> ok.get() > 20, () -> "no requests through haproxy");
        reloaded = System.nanoTime();
        haproxy.reload(servicesYaml("a", a.port(), "127.0.0.1", "b", b.port()));
        int before = ok.get();
        Poll.until(Duration.ofSeconds(5), () -> ok.get() > before + 20, () -> "no requests after the reload");
      } finally {
        done.set(true);
        joinQuietly(client);
      }
      assertNotEquals(oldPid, haproxy.pid());
      assertEquals(List.of(), bad, "requests that failed during the reload (of " + ok.get() + ")");
      assertEquals("UP", haproxy.serverState("a"));
      assertTrue(haproxy.config().contains("server b 127.0.0.1:" + b.port() + " check inter 2000 rise 2 fall 5 maxconn 4096 backup"), haproxy.config());
      Poll.until(Duration.ofSeconds(15), () -> !haproxy.running(oldPid), () -> "the old haproxy did not finish");
      System.out.printf("haproxy reload: %d requests, none failed; the old process exited within %d ms%n", ok.get(), millisSince(reloaded));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** {@code config.yml} in {@code work/<name>-config/}, a symlink {@code work/<name>-link} to that directory. */
  private Path symlinkedConfig(String name, String header) throws IOException {
    Path real = TestFiles.mkdirs(work.resolve(name + "-config"));
    TestFiles.write(real.resolve("config.yml"), registryConfig(secret(), "  headers:\n    " + header + "\n"));
    return Files.createSymbolicLink(work.resolve(name + "-link"), real);
  }

  private static String registryConfig(String secret, String httpExtra) {
    return "version: 0.1\n"
        + "log:\n  level: info\n"
        + "storage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n  delete:\n    enabled: true\n"
        + "http:\n  addr: :5000\n  secret: " + secret + "\n" + httpExtra;
  }

  private static String secret() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  /** The {@code services} value the leader of two units publishes (relation-interfaces.md §3.3). */
  private static String servicesYaml(int port, String ip0, String ip1) {
    return "\n- service_name: docker-registry\n"
        + "  service_host: 0.0.0.0\n"
        + "  service_port: " + port + "\n"
        + "  service_options:\n"
        + "   - mode http\n"
        + "   - balance leastconn\n"
        + "   - option httpchk GET / HTTP/1.0\n"
        + "  servers:\n"
        + "   - [docker-registry-0, " + ip0 + ", " + port + ", check inter 2000 rise 2 fall 5 maxconn 4096 ]\n"
        + "   - [docker-registry-1, " + ip1 + ", " + port + ", check inter 2000 rise 2 fall 5 maxconn 4096 backup ]\n";
  }

  /** The same shape with servers on different ports (registry processes on one host); {@code second} may be null. */
  private static String servicesYaml(String first, int firstPort, String ip, String second, int secondPort) {
    String yaml = "- service_name: docker-registry\n"
        + "  service_host: 0.0.0.0\n"
        + "  service_port: 5000\n"
        + "  service_options: [mode http, balance leastconn, option httpchk GET / HTTP/1.0]\n"
        + "  servers:\n"
        + "   - [" + first + ", " + ip + ", " + firstPort + ", check inter 2000 rise 2 fall 5 maxconn 4096 ]\n";
    return second == null ? yaml : yaml + "   - [" + second + ", " + ip + ", " + secondPort + ", check inter 2000 rise 2 fall 5 maxconn 4096 backup ]\n";
  }

  private String runMain(String name, String... args) {
    mainContainers.add(name);
    List<String> argv = new ArrayList<>(List.of("docker", "run", "-d", "--name", name));
    argv.addAll(List.of(args));
    Cmd.ok(argv.toArray(String[]::new));
    return name;
  }

  /** Polls {@code url} until it answers 200; returns its {@code X-Engine} header. */
  private static String engineAnswering(String url) {
    Http.await(url, s -> s == 200, Duration.ofSeconds(10));
    HttpResponse<String> r = Http.send("GET", url);
    return r.headers().firstValue("X-Engine").orElse("(none)");
  }

  private static Cmd checkHttp(String ip, int port) {
    return Cmd.run(CHECK_HTTP, "-I", ip, "-p", Integer.toString(port), "-u", "/");
  }

  private static String lastLine(String text) {
    List<String> lines = Cmd.lines(text);
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
