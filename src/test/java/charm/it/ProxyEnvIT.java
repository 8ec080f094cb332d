package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.DockerRegistryContainer;
import charm.workload.HostFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * registry-http-proxy values the previous charm passed to the container and registry 2.8.2
 * honours, in a real container: the charm accepts the value, plans it unchanged as HTTP_PROXY,
 * and its own engine client ({@link DockerRegistryContainer#create}) creates the planned container
 * (the planned files, with {@code cache-remoteurl} pointing at an upstream whose name does not
 * resolve). The test then reads the container's environment with {@code docker inspect} and sees
 * the registry in it send its pull-through cache's start-up request ({@code GET <remoteurl>/v2/})
 * through a {@link RecordingProxy}: only the proxy can have answered. The proxy listens on
 * docker0's address, which the bridge-networked container reaches (a loopback address would be
 * the container itself).
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyEnvIT {
  static final String UPSTREAM = "http://upstream.invalid:5000";
  static final String GET = "GET " + UPSTREAM + "/v2/ HTTP/1.1";

  Path work;

  @BeforeAll
  void setUp() throws IOException {
    work = Files.createTempDirectory("proxy-env-it");
  }

  @AfterAll
  void tearDown() {
    TestFiles.deleteTree(work);
  }

  /** name, the option's value ({@code HOST}: docker0's address, {@code PORT}: the proxy's port), the requests the proxy must see. */
  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("scheme-less host:port, read as http://", "HOST:PORT", List.of(GET)),
        Arguments.of("scheme-less with credentials", "it-user:it-secret@HOST:PORT",
            List.of(GET, "Proxy-Authorization: Basic aXQtdXNlcjppdC1zZWNyZXQ=")),
        Arguments.of("http:// URL", "http://HOST:PORT", List.of(GET)),
        Arguments.of("socks5:// URL", "socks5://HOST:PORT",
            List.of("SOCKS5 CONNECT upstream.invalid:5000", "GET /v2/ HTTP/1.1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void theRegistryUsesTheProxyTheOptionNames(String name, String value, List<String> expected) throws IOException {
    String host = TestNet.hostAddress();
    try (RecordingProxy proxy = RecordingProxy.start(InetAddress.getByName(host))) {
      String option = value.replace("HOST", host).replace("PORT", Integer.toString(proxy.port()));
      String container = "it-proxyenv-" + UUID.randomUUID().toString().substring(0, 8);
      RegistryConfig cfg = RegistryConfig.from(Map.of("registry-http-proxy", option, "cache-remoteurl", UPSTREAM,
          "registry-name", container, "registry-port", (long) TestNet.freePort()));
      assertEquals(List.of(), cfg.problems(), option);
      Plan plan = Planner.plan(cfg, "secret", "127.0.0.1", new Owner("it-proxyenv", "docker-registry", "docker-registry/0"));
      Path root = TestFiles.mkdirs(work.resolve(name.replaceAll("[^a-z0-9]+", "-")));
      HostFiles files = new HostFiles(root);
      plan.directories().forEach(d -> TestFiles.mkdirs(files.resolve(d.path())));
      plan.container().mounts().forEach(m -> TestFiles.mkdirs(files.resolve(m.hostPath()).getParent()));
      TestFiles.mkdirs(files.resolve(Planner.DATA_DIR));
      plan.files().forEach(f -> TestFiles.write(files.resolve(f.path()), f.content()));
      try (DockerRegistryContainer engine = new DockerRegistryContainer(UnitRoot.ENGINE, files)) {
        engine.create(plan.container());
        engine.start(container);
        List<String> inspected = Cmd.lines(Cmd.ok("docker", "inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container));
        assertEquals(List.of("HTTP_PROXY=" + option), inspected.stream().filter(e -> e.toUpperCase(Locale.ROOT).contains("PROXY=")).toList(),
            "the container's proxy environment, as docker inspect shows it: the option's value as given");
        Poll.until(Duration.ofSeconds(30), () -> proxy.seen().containsAll(expected),
            () -> "the proxy saw " + proxy.seen() + "; registry log:\n" + Cmd.run("docker", "logs", container).output());
        assertEquals(expected.get(0), proxy.seen().get(0), "the first thing the proxy saw");
      } finally {
        Cmd.run("docker", "rm", "-fv", container);
      }
    }
  }
}
