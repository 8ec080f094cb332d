package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

// SEPARATE_THREAD: a read without a deadline would hang the build instead of failing this test.
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DockerSocketTest {
  static final Duration SHORT = Duration.ofMillis(500);

  @TempDir Path tmp;
  FakeEngine engine;

  @AfterEach
  void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  private DockerSocket socket(FakeEngine.Behaviour behaviour) {
    engine = FakeEngine.start(tmp.resolve("docker.sock"), behaviour);
    return new DockerSocket(engine.socket(), SHORT);
  }

  /** Runs the GET, expects EngineUnavailable within the short deadline (loosely), returns it. */
  private static EngineUnavailable unavailable(DockerSocket socket, String path) {
    long start = System.nanoTime();
    EngineUnavailable e = assertThrows(EngineUnavailable.class, () -> socket.get(path));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 5000, "gave up after " + millis + " ms");
    return e;
  }

  @Test
  void anEngineThatAcceptsAndNeverAnswersTimesOut() {
    DockerSocket socket = socket(FakeEngine.SILENT);
    long start = System.nanoTime();
    EngineUnavailable e = unavailable(socket, "/containers/it-x/json");
    assertTrue(System.nanoTime() - start >= SHORT.toNanos() * 9 / 10, "waited for the deadline");
    assertEquals("Docker engine did not answer within 500 ms (GET /containers/it-x/json)", e.getMessage());
    assertEquals("did not answer within 500 ms (GET /containers/it-x/json)", e.reason());
  }

  @Test
  void anEngineThatStallsInTheHeadersTimesOut() {
    EngineUnavailable e = unavailable(socket(FakeEngine.HALF_HEADERS), "/_ping");
    assertEquals("Docker engine did not answer within 500 ms (GET /_ping)", e.getMessage());
  }

  @Test
  void theDeadlineCoversTheWholeResponseNotEachRead() {
    EngineUnavailable e = unavailable(socket(FakeEngine.DRIP), "/_ping");
    assertTrue(e.getMessage().startsWith("Docker engine did not answer within 500 ms"), e.getMessage());
  }

  @Test
  void theQueryStringIsLeftOutOfTheMessage() {
    EngineUnavailable e = unavailable(socket(FakeEngine.SILENT), "/containers/json?all=1&filters=%7B%7D");
    assertTrue(e.getMessage().endsWith("(GET /containers/json)"), e.getMessage());
  }

  @Test
  void aResponseThatIsNotHttpIsUnavailable() {
    EngineUnavailable e = unavailable(socket(FakeEngine.NOT_HTTP), "/_ping");
    assertEquals("Docker engine sent a response that is not HTTP (GET /_ping)", e.getMessage());
  }

  @Test
  void aMissingSocketIsUnavailable() {
    Path missing = tmp.resolve("var/run/docker.sock");
    EngineUnavailable e = unavailable(new DockerSocket(missing, SHORT), "/_ping");
    assertTrue(e.getMessage().startsWith("Docker engine socket " + missing + ": "), e.getMessage());
  }

  @Test
  void aSocketNobodyListensOnRefuses() throws IOException {
    Path stale = tmp.resolve("stale.sock");
    try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      gone.bind(UnixDomainSocketAddress.of(stale));
    }
    assertTrue(Files.exists(stale), "a socket file without a listener, as a stopped dockerd leaves it");
    EngineUnavailable e = unavailable(new DockerSocket(stale, SHORT), "/_ping");
    assertTrue(e.getMessage().startsWith("Docker engine socket " + stale + ": "), e.getMessage());
  }

  @Test
  void aProperAnswerIsParsed() {
    DockerSocket socket = socket(FakeEngine.answer(200, "{\"State\":{\"Running\":true},\"Names\":[\"/a\"]}"));
    DockerSocket.Response r = socket.get("/containers/a/json");
    assertEquals(200, r.status());
    Map<String, Object> body = r.object();
    assertEquals(true, DockerSocket.path(body, "State", "Running"));
    assertEquals(List.of("/a"), body.get("Names"));
    assertEquals(List.of("GET /containers/a/json HTTP/1.0"), engine.requests());
  }

  @Test
  void anErrorStatusIsAnAnswerNotAnOutage() {
    DockerSocket.Response r = socket(FakeEngine.answer(404, "{\"message\":\"No such container: a\"}")).get("/containers/a/json");
    assertEquals(404, r.status());
  }

  @Test
  void theDefaultDeadlineIsTenSeconds() {
    assertEquals(Duration.ofSeconds(10), DockerSocket.DEADLINE);
  }
}
