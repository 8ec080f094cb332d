package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.Planner;
import charm.registry.RegistryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * honours, with the real binary: the charm accepts the value and puts it unchanged into the
 * container's HTTP_PROXY, and the registry, given that HTTP_PROXY, sends its pull-through cache's
 * start-up request ({@code GET <remoteurl>/v2/}) through a {@link RecordingProxy}. The upstream's
 * name does not resolve, so only the proxy can have answered. (The registry never proxies
 * requests to loopback addresses, hence the name.)
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

  /** name, the option's value ({@code PORT}: the proxy's port), the requests the proxy must see. */
  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("scheme-less host:port, read as http://", "127.0.0.1:PORT", List.of(GET)),
        Arguments.of("scheme-less name:port", "localhost:PORT", List.of(GET)),
        Arguments.of("scheme-less with credentials", "it-user:it-secret@127.0.0.1:PORT",
            List.of(GET, "Proxy-Authorization: Basic aXQtdXNlcjppdC1zZWNyZXQ=")),
        Arguments.of("http:// URL", "http://127.0.0.1:PORT", List.of(GET)),
        Arguments.of("socks5:// URL", "socks5://127.0.0.1:PORT",
            List.of("SOCKS5 CONNECT upstream.invalid:5000", "GET /v2/ HTTP/1.1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void theRegistryUsesTheProxyTheOptionNames(String name, String value, List<String> expected) {
    try (RecordingProxy proxy = RecordingProxy.start()) {
      String option = value.replace("PORT", Integer.toString(proxy.port()));
      RegistryConfig cfg = RegistryConfig.from(Map.of("registry-http-proxy", option));
      assertEquals(List.of(), cfg.problems(), option);
      Map<String, String> env = Planner.plan(cfg, "secret", "127.0.0.1", new charm.registry.Owner("m", "a", "a/0")).container().env();
      assertEquals(Map.of("HTTP_PROXY", option), env, "the container gets the value as given");

      Path dir = work.resolve(name.replaceAll("[^a-z0-9]+", "-"));
      String config = RegistryProcess.baseConfig(dir.resolve("data")) + "proxy:\n  remoteurl: " + UPSTREAM + "\n";
      try (RegistryProcess registry = RegistryProcess.start(dir, config, env)) {
        List<String> seen = proxy.seen();
        assertTrue(seen.containsAll(expected), "the proxy saw " + seen + "; registry log:\n" + registry.log());
        assertEquals(expected.get(0), seen.get(0), "the first thing the proxy saw");
      }
    }
  }
}
