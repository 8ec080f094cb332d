package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** docker-java through {@link DockerClients}: an engine that stops answering costs a deadline, not a hang. */
// SEPARATE_THREAD: a read without a deadline would hang the build instead of failing this test.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DockerClientsTest {
  static final Duration SHORT = Duration.ofMillis(500);

  @TempDir Path tmp;
  FakeEngine engine;
  DockerClient client;

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  private DockerClient client(FakeEngine.Behaviour behaviour) {
    engine = FakeEngine.start(tmp.resolve("docker.sock"), behaviour);
    client = DockerClients.connect(engine.socket(), SHORT, SHORT);
    return client;
  }

  /** Runs the call, expects EngineUnavailable well within the test's bound, returns it. */
  static EngineUnavailable unavailable(Executable call) {
    long start = System.nanoTime();
    EngineUnavailable e = assertThrows(EngineUnavailable.class, call);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 5000, "gave up after " + millis + " ms");
    // The watchdog's interrupt must not outlive the call: the hook goes on to run hook tools.
    assertFalse(Thread.currentThread().isInterrupted(), "interrupt cleared");
    return e;
  }

  @Test
  void anEngineThatNeverAnswersTimesOut() {
    DockerClient c = client(FakeEngine.SILENT);
    EngineUnavailable e = unavailable(() -> c.inspectContainerCmd("it-x").exec());
    assertTrue(e.getMessage().startsWith("Docker engine did not answer within 500 ms (GET /"), e.getMessage());
    assertTrue(e.getMessage().endsWith("/containers/it-x/json)"), e.getMessage());
    assertEquals(1, engine.connections());
    // The client still works for the next call (a new connection), and that one times out too.
    unavailable(() -> c.inspectContainerCmd("it-y").exec());
    assertEquals(2, engine.connections());
  }

  @Test
  void aPostWithABodyTimesOutToo() {
    DockerClient c = client(FakeEngine.SILENT);
    EngineUnavailable e = unavailable(() -> c.createContainerCmd("registry:2").withName("it-x").withEnv("SECRET=hunter2").exec());
    assertTrue(e.getMessage().contains("(POST /"), e.getMessage());
    assertTrue(!e.getMessage().contains("hunter2") && !e.getMessage().contains("name="), "no body, no query: " + e.getMessage());
  }

  @Test
  void aPullWhoseProgressStopsTimesOutBetweenPackets() {
    DockerClient c = client(FakeEngine.streamThenStall("{\"status\":\"Pulling from library/registry\"}"));
    List<String> progress = new CopyOnWriteArrayList<>();
    EngineUnavailable e = unavailable(() -> DockerImages.pull(c, "registry:2", progress::add));
    assertTrue(e.getMessage().startsWith("Docker engine sent nothing for 500 ms (POST /"), e.getMessage());
    assertTrue(e.getMessage().endsWith("/images/create)"), e.getMessage());
    assertEquals(List.of("Pulling from library/registry"), progress, "what came before the stall was delivered");
  }

  @Test
  void aMissingSocketIsUnavailable() {
    Path missing = tmp.resolve("var/run/docker.sock");
    client = DockerClients.connect(missing, SHORT, SHORT);
    EngineUnavailable e = unavailable(() -> client.pingCmd().exec());
    assertTrue(e.getMessage().startsWith("Docker engine socket " + missing + ": "), e.getMessage());
  }

  @Test
  void answersPassThroughOnOneConnection() {
    DockerClient c = client(FakeEngine.answer(200, "{\"Id\":\"abc123\",\"Name\":\"/it-x\"}"));
    assertEquals("abc123", c.inspectContainerCmd("it-x").exec().getId());
    assertEquals("abc123", c.inspectContainerCmd("it-x").exec().getId());
    assertEquals(2, engine.requests().size());
  }

  @Test
  void engineErrorsStayDockerExceptions() {
    DockerClient c = client(FakeEngine.answer(404, "{\"message\":\"No such container: it-x\"}"));
    assertThrows(com.github.dockerjava.api.exception.NotFoundException.class, () -> c.inspectContainerCmd("it-x").exec());
  }

  @Test
  void defaultsAllowLongPullsButNotForever() {
    assertEquals(Duration.ofSeconds(90), DockerClients.RESPONSE_TIMEOUT);
    assertEquals(Duration.ofSeconds(90), DockerClients.READ_TIMEOUT);
  }
}
