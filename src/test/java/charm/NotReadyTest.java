package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.Secrets;
import charm.workload.ContainerState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The words for a registry container that did not become ready, from engine states as {@code
 * docker inspect} reports them (a crash loop under the restart policy was sampled on the
 * development machine: while waiting for its restart the container reads running and
 * restarting, with the exit code; once restarted, running with exit code 0) and log lines the
 * registry writes.
 */
class NotReadyTest {
  static final Duration WAITED = Duration.ofSeconds(20);
  static final String STARTED = "2026-12-07T13:40:11.837691659Z";
  static final String ENDED = "2026-12-07T13:40:11.982005722Z";
  static final String ZERO = "0001-01-01T00:00:00Z";

  static ContainerState state(boolean running, boolean restarting, int exitCode, int restarts, String startedAt, String finishedAt) {
    return new ContainerState("id", "reg", running, restarting, exitCode, restarts, "", "hash", startedAt, finishedAt, Map.of(), List.of(),
        "sha256:x");
  }

  static final ContainerState RUNNING = state(true, false, 0, 0, STARTED, ZERO);
  static final ContainerState EXITED = state(false, false, 1, 0, STARTED, ENDED);

  static String describe(Optional<ContainerState> last, Optional<ContainerState> exit, int baseline, List<String> log) {
    return NotReady.of(last, exit, baseline, log, Secrets.none()).describe("the new container", 5000, WAITED);
  }

  @Test
  void aContainerThatRanAllAlongIsASilentRegistry() {
    NotReady n = NotReady.of(Optional.of(RUNNING), Optional.empty(), 0, List.of(), Secrets.none());
    assertEquals(NotReady.Kind.SILENT, n.kind());
    assertEquals("the registry did not answer on port 5000 within 20 s", n.describe("the new container", 5000, WAITED));
  }

  @Test
  void anExitSaysItsCodeAndHowLongTheRunLasted() {
    assertEquals("the new container exited with code 1 after 0.14 s", describe(Optional.of(EXITED), Optional.of(EXITED), 0, List.of()));
    ContainerState longer = state(false, false, 2, 0, "2026-12-07T13:40:11Z", "2026-12-07T13:40:14.5Z");
    assertEquals("the new container exited with code 2 after 3.5 s", describe(Optional.of(longer), Optional.of(longer), 0, List.of()));
  }

  @Test
  void aRestartedContainerSaysSoWithTheExitSeen() {
    ContainerState firstExit = state(true, true, 1, 1, STARTED, ENDED);
    assertEquals("the new container exited with code 1 after 0.14 s and was restarted",
        describe(Optional.of(firstExit), Optional.of(firstExit), 0, List.of()));
    ContainerState runningAgain = state(true, false, 0, 3, "2026-12-07T13:40:14.194071412Z", ENDED);
    ContainerState thirdExit = state(true, true, 1, 3, STARTED, ENDED);
    assertEquals("the new container kept restarting (exit code 1 after 0.14 s, 3 restarts)",
        describe(Optional.of(runningAgain), Optional.of(thirdExit), 0, List.of()));
    assertEquals("the new container kept restarting (4 restarts)",
        describe(Optional.of(state(true, false, 0, 4, STARTED, ENDED)), Optional.empty(), 0, List.of()), "no exit seen: no code to tell");
  }

  @Test
  void restartsBeforeTheWatchBeganDoNotCount() {
    ContainerState restartedLongAgo = state(true, false, 0, 2, STARTED, ENDED);
    assertEquals(NotReady.Kind.SILENT, NotReady.of(Optional.of(restartedLongAgo), Optional.empty(), 2, List.of(), Secrets.none()).kind());
    assertEquals(NotReady.Kind.RESTARTING, NotReady.of(Optional.of(restartedLongAgo), Optional.empty(), 1, List.of(), Secrets.none()).kind());
  }

  @Test
  void aRemovedContainerIsGone() {
    assertEquals("the new container was removed while the charm waited for it",
        describe(Optional.empty(), Optional.of(EXITED), 0, List.of("configuration error: ignored")));
  }

  @Test
  void theRegistrysLastErrorIsQuoted() {
    List<String> configError = List.of(
        "configuration error: error parsing /etc/docker/registry/config.yml: invalid loglevel loud Must be one of [error, warn, info, debug]",
        "Usage: ", "  registry serve <config> [flags]", "Flags:", "  -h, --help   help for serve");
    assertEquals("the new container exited with code 1 after 0.14 s: configuration error: error parsing /etc/docker/registry/config.yml: "
        + "invalid loglevel loud Must be one of [error, warn, info, debug]", describe(Optional.of(EXITED), Optional.of(EXITED), 0, configError));
  }

  @Test
  void aPanicIsQuotedNotItsStackTrace() {
    List<String> panic = List.of(
        "panic: swift authentication failed: HTTP Error: 401: 401 Unauthorized",
        "goroutine 1 [running]:",
        "github.com/docker/distribution/registry/handlers.NewApp({0x11a4b98?, 0xc0002ce720?}, 0xc0000fa380)",
        "\tgithub.com/docker/distribution/registry/handlers/app.go:127 +0x2411",
        "main.main()",
        "\tgithub.com/docker/distribution/cmd/registry/main.go:22 +0x25");
    assertEquals(Optional.of("panic: swift authentication failed: HTTP Error: 401: 401 Unauthorized"), NotReady.quote(panic, Secrets.none()));
  }

  @Test
  void logEntriesAreQuotedByLevel() {
    String json = "{\"go.version\":\"go1.19.8\",\"level\":\"fatal\",\"msg\":\"redis: cannot connect\",\"error\":\"dial tcp: refused\",\"time\":\"t\"}";
    assertEquals(Optional.of("redis: cannot connect: dial tcp: refused"), NotReady.errorText(json));
    assertEquals(Optional.empty(), NotReady.errorText("{\"level\":\"info\",\"msg\":\"listening on [::]:5000\"}"));
    assertEquals(Optional.of("the \"s3\" driver said no"),
        NotReady.errorText("time=\"2026-12-07T13:40:11Z\" level=fatal msg=\"the \\\"s3\\\" driver said no\" go.version=go1.19.8"));
    assertEquals(Optional.empty(), NotReady.errorText("time=\"2026-12-07T13:40:11Z\" level=warning msg=\"No HTTP secret provided\""));
    assertEquals(Optional.of("Error: unknown command \"no-such-command\" for \"registry\""),
        NotReady.errorText("Error: unknown command \"no-such-command\" for \"registry\""));
    assertEquals(Optional.empty(), NotReady.errorText("{not json"));
    assertEquals(Optional.empty(), NotReady.quote(List.of("Usage:", "  registry serve <config> [flags]"), Secrets.none()));
    assertEquals(Optional.of("second: b"),
        NotReady.quote(List.of("first error: a", "{\"level\":\"error\",\"msg\":\"second: b\"}", "Usage:"), Secrets.none()), "the last error wins");
  }

  @Test
  void secretsAreRedactedAndTheQuoteIsOneShortLine() {
    Secrets secrets = Secrets.of(List.of("hunter2-pw", "s3cr3t"));
    String line = "{\"level\":\"fatal\",\"msg\":\"swift auth as u:hunter2-pw failed\\nretry with s3cr3t\\t" + "x".repeat(400) + "\"}";
    String quoted = NotReady.quote(List.of(line), secrets).orElseThrow();
    assertTrue(quoted.startsWith("swift auth as u:<redacted> failed retry with <redacted> xxx"), quoted);
    assertEquals(NotReady.MAX_QUOTE, quoted.length());
    assertTrue(quoted.endsWith("..."), quoted);
  }

  @Test
  void secondsAreShortAndNotZeroForAFastExit() {
    assertEquals("0.05 s", NotReady.seconds(Duration.ofMillis(50)));
    assertEquals("12.3 s", NotReady.seconds(Duration.ofMillis(12_345)));
  }
}
