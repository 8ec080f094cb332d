package charm.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden config.yml ({@code src/test/resources/golden}, what {@code ConfigYamlTest}
 * compares the renderer's output with) is served by the real registry in the {@code registry:2}
 * image, as the charm runs it ({@code serve /etc/docker/registry/config.yml}): the container must
 * keep running and answer {@code GET /v2/}. A golden the registry refuses (an unknown key, a
 * value of the wrong type, a driver parameter it rejects) makes it exit at start and fails here.
 *
 * <p>Only the names of the peers a golden talks to at start are replaced, so that they exist:
 * the Swift endpoint and its tempauth credentials (the driver authenticates at start) by a real
 * Swift ({@link SwiftServer}), the pull-through cache's upstream (pinged at start) by the
 * registry binary on docker0's address. S3 and redis are not contacted at start; their names stay.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenConfigIT {
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  static final Duration START = Duration.ofSeconds(30);

  Path work;
  SwiftServer swift;
  RegistryProcess upstream;

  @BeforeAll
  void setUp() throws IOException {
    work = Files.createTempDirectory("golden-it");
    swift = SwiftServer.start(work.resolve("swift"));
    upstream = RegistryProcess.start(work.resolve("upstream"), RegistryProcess.baseConfig(work.resolve("upstream/data")));
  }

  @AfterAll
  void tearDown() {
    try (SwiftServer s = swift; RegistryProcess u = upstream) {
      // closed in reverse order
    } finally {
      TestFiles.deleteTree(work);
    }
  }

  static Stream<String> goldens() throws IOException {
    try (Stream<Path> files = Files.list(GOLDEN)) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
      assertFalse(names.isEmpty(), "no golden files in " + GOLDEN);
      return names.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void theRegistryServesTheGoldenConfig(String golden) throws IOException {
    String text = Files.readString(GOLDEN.resolve(golden))
        .replace("https://registry-1.docker.io", "http://" + upstream.netloc(TestNet.hostAddress()))
        .replaceAll("http://swift\\.example:\\d+/auth/v1\\.0", swift.authUrl())
        .replace("username: \"test:tester\"", "username: \"" + swift.user() + "\"")
        .replace("password: \"testing\"", "password: \"" + swift.key() + "\"");
    Path config = TestFiles.write(work.resolve(golden), text);
    int port = TestNet.freePort();
    String name = "it-golden-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      Cmd.ok("docker", "run", "-d", "--name", name, "-p", "127.0.0.1:" + port + ":5000",
          "--mount", "type=bind,source=" + config.toAbsolutePath() + ",target=/etc/docker/registry/config.yml,readonly",
          "registry:2", "serve", "/etc/docker/registry/config.yml");
      Poll.until(START, () -> {
        if (!Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", name).trim().equals("true")) {
          throw new AssertionError("the registry refused " + golden + ": it exited:\n" + Cmd.run("docker", "logs", name).output());
        }
        return Http.status("http://127.0.0.1:" + port + "/v2/") > 0;
      }, () -> golden + ": no answer on /v2/ within " + START + ":\n" + Cmd.run("docker", "logs", name).output());
      int status = Http.status("http://127.0.0.1:" + port + "/v2/");
      assertTrue(status == 200 || status == 401, golden + ": GET /v2/ answered " + status);
      assertTrue(Cmd.ok("docker", "inspect", "-f", "{{.State.Running}}", name).trim().equals("true"),
          golden + ": still running:\n" + Cmd.run("docker", "logs", name).output());
    } catch (UncheckedIOException e) {
      throw new AssertionError(golden + ": " + e.getMessage(), e);
    } finally {
      Cmd.run("docker", "rm", "-fv", name);
    }
  }
}
