package charm.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real files under a temporary unit root and real processes: a copy of sleep named dockerd plays
 * the engine (SIGHUP ends it with status 129), a plain sleep plays a stranger (a later SIGTERM
 * ends it with 143, which proves no SIGHUP came first: the lower signal is delivered first).
 */
class DaemonTrustTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path root;
  @TempDir Path bin;
  @TempDir Path elsewhere;

  private final List<Process> started = new ArrayList<>();
  private final List<Path> fifos = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.getOutputStream().close();
      p.destroyForcibly();
      assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "process " + p.pid() + " ended");
    }
    // A reader blocked on one of our FIFOs (old code) gets EOF once a writer comes and goes.
    for (Path fifo : fifos) {
      if (Files.exists(fifo)) {
        FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      }
    }
  }

  private Path daemonJson() {
    return root.resolve("etc/docker/daemon.json");
  }

  private JsonNode parsedDaemonJson() throws IOException {
    return new ObjectMapper().readTree(daemonJson().toFile());
  }

  private Path writeDaemonJson(String text) throws IOException {
    Files.createDirectories(daemonJson().getParent());
    return Files.writeString(daemonJson(), text);
  }

  private DaemonTrust trust() {
    return new DaemonTrust(new HostFiles(root));
  }

  private void writePid(Object pid) throws IOException {
    Path file = root.resolve("var/run/docker.pid");
    Files.createDirectories(file.getParent());
    Files.writeString(file, pid + "\n");
  }

  private Process start(String... argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }

  /** A copy of sleep whose file is named dockerd: comm and exe both say dockerd. */
  private Path fakeDockerd() throws IOException {
    Path exe = bin.resolve("dockerd");
    if (!Files.exists(exe)) {
      Files.copy(Path.of("/bin/sleep"), exe);
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return exe;
  }

  private static int exitWithin(Process p) throws InterruptedException {
    assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "process " + p.pid() + " did not end in time");
    return p.exitValue();
  }

  /** Ends a process with SIGTERM; 143 proves it had not been sent SIGHUP before. */
  private static void assertNoSighup(Process p) throws InterruptedException {
    assertTrue(p.isAlive(), "still running");
    p.destroy();
    assertEquals(143, exitWithin(p), "ended by our SIGTERM, not by a SIGHUP");
  }

  private static String mode(Path file) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  // ---- the existing contract -------------------------------------------------------------------

  @Test
  void addsKeepsOtherSettingsAndRemovesThePreviousEntry() throws Exception {
    writeDaemonJson("{\"log-driver\":\"journald\",\"insecure-registries\":[\"other:1\"]}");
    DaemonTrust trust = trust();

    DaemonTrust.Result first = trust.ensureInsecure("10.0.0.5:5000", null);
    assertTrue(first.changed());
    assertFalse(first.reloaded(), "no docker.pid under the test root, so no SIGHUP");
    assertNull(first.problem(), "no dockerd running under this root: it reads the file when it starts");
    assertEquals("journald", parsedDaemonJson().get("log-driver").asText());
    assertEquals("[\"other:1\",\"10.0.0.5:5000\"]", parsedDaemonJson().get("insecure-registries").toString());

    assertFalse(trust.ensureInsecure("10.0.0.5:5000", null).changed(), "second run changes nothing");

    trust.ensureInsecure("10.0.0.5:5001", "10.0.0.5:5000");
    assertEquals("[\"other:1\",\"10.0.0.5:5001\"]", parsedDaemonJson().get("insecure-registries").toString());

    trust.ensureInsecure(null, "10.0.0.5:5001");
    assertEquals("[\"other:1\"]", parsedDaemonJson().get("insecure-registries").toString());
  }

  @Test
  void entriesThatAreNotStringsAreKept() throws Exception {
    writeDaemonJson("{\"insecure-registries\": [null, 5, \"a:1\"]}");
    assertTrue(trust().ensureInsecure("h:1", "a:1").changed());
    assertEquals("[null,5,\"h:1\"]", parsedDaemonJson().get("insecure-registries").toString());
  }

  @Test
  void aMissingDaemonJsonIsCreatedWithMode0644() throws Exception {
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertNull(result.problem());
    assertEquals("rw-r--r--", mode(daemonJson()));
    assertEquals("{\"insecure-registries\":[\"h:1\"]}", parsedDaemonJson().toString());
    assertEquals(List.of("daemon.json"), listing(daemonJson().getParent()), "no temp file left");
  }

  // ---- SIGHUP only to dockerd ------------------------------------------------------------------

  @Test
  void dockerdIsToldToReloadAndAnIdenticalSecondCallSendsNothing() throws Exception {
    writeDaemonJson("{}");
    Process dockerd = start(fakeDockerd().toString(), "600");
    writePid(dockerd.pid());

    DaemonTrust.Result first = trust().ensureInsecure("h:1", null);
    assertEquals(new DaemonTrust.Result(true, true, null), first);
    assertEquals(129, exitWithin(dockerd), "dockerd got SIGHUP (128 + 1)");

    Process again = start(fakeDockerd().toString(), "600");
    writePid(again.pid());
    FileTime old = FileTime.fromMillis(1_000_000_000L);
    Files.setLastModifiedTime(daemonJson(), old);
    Object inode = Files.getAttribute(daemonJson(), "unix:ino");

    assertEquals(new DaemonTrust.Result(false, false, null), trust().ensureInsecure("h:1", null));
    assertEquals(old, Files.getLastModifiedTime(daemonJson()), "not rewritten");
    assertEquals(inode, Files.getAttribute(daemonJson(), "unix:ino"), "not replaced");
    assertNoSighup(again);
  }

  @Test
  void aStrangerNamedInThePidFileIsNotSignalled() throws Exception {
    writeDaemonJson("{}");
    Process sleep = start("sleep", "600");
    writePid(sleep.pid());

    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed(), "the file is still updated: dockerd reads it when it next starts");
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("reload pending"), result.problem());
    assertTrue(result.problem().contains("not dockerd"), result.problem());
    assertNoSighup(sleep);
  }

  @Test
  void aStrangerCalledDockerdThroughASymlinkIsNotSignalled() throws Exception {
    // comm comes from the name it was started by (dockerd); /proc/<pid>/exe names the real file.
    Path link = Files.createSymbolicLink(bin.resolve("dockerd"), Path.of("/bin/sleep"));
    writeDaemonJson("{}");
    Process impostor = start(link.toString(), "600");
    assertEquals("dockerd", Files.readString(Path.of("/proc/" + impostor.pid() + "/comm")).trim());
    writePid(impostor.pid());

    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("reload pending"), result.problem());
    assertNoSighup(impostor);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "garbage", "0", "-1", "12 34", "1e3", "99999999999999999999", "4194305"})
  void aPidFileThatNamesNoProcessSendsNothing(String content) throws Exception {
    writeDaemonJson("{}");
    writePid(content);
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("reload pending"), result.problem());
    assertFalse(result.problem().contains("garbage"), "the pid file's content is not quoted");
  }

  @Test
  void aDeadPidSendsNothing() throws Exception {
    Process gone = start("true");
    exitWithin(gone);
    writeDaemonJson("{}");
    writePid(gone.pid());
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("not running"), result.problem());
  }

  @Test
  void aZombieDockerdIsNotSignalled() throws Exception {
    // dash reaps its children only in `wait`, so the dockerd copy stays a zombie until stdin closes.
    Process shell = start("/bin/sh", "-c", "\"$0\" 0 & echo $!; read x; wait", fakeDockerd().toString());
    long zombie = Long.parseLong(new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8)).readLine().trim());
    Path stat = Path.of("/proc/" + zombie + "/stat");
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!Files.readString(stat).matches("(?s).*\\) Z .*")) {
      assertTrue(System.nanoTime() < deadline, "pid " + zombie + " became a zombie");
      Thread.onSpinWait();
    }
    writeDaemonJson("{}");
    writePid(zombie);

    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("zombie"), result.problem());

    shell.getOutputStream().close();
    assertEquals(0, exitWithin(shell), "the shell reaped its zombie and ended");
  }

  @Test
  void aPidFileThatIsAFifoDoesNotHang() throws Exception {
    writeDaemonJson("{}");
    Path pidFile = root.resolve("var/run/docker.pid");
    Files.createDirectories(pidFile.getParent());
    mkfifo(pidFile);
    DaemonTrust.Result result = assertTimeoutPreemptively(DEADLINE, () -> trust().ensureInsecure("h:1", null));
    assertTrue(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
  }

  // ---- daemon.json: mode, owner, links, numbers --------------------------------------------------

  @Test
  void aRewriteKeepsTheModeAndOwner() throws Exception {
    Path file = writeDaemonJson("{\"debug\": true}\n");
    Files.setAttribute(file, "unix:uid", 65534);
    Files.setAttribute(file, "unix:gid", 4);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    assertTrue(trust().ensureInsecure("h:1", null).changed());
    assertEquals("rw-r-----", mode(file));
    assertEquals(65534, Files.getAttribute(file, "unix:uid"));
    assertEquals(4, Files.getAttribute(file, "unix:gid"));
    assertEquals("{\"debug\":true,\"insecure-registries\":[\"h:1\"]}", parsedDaemonJson().toString());
    assertEquals(List.of("daemon.json"), listing(file.getParent()), "no temp file left");
  }

  @Test
  void aSymlinkedDaemonJsonIsWrittenThroughToItsTarget() throws Exception {
    // daemon.json -> ../../conf/daemon.json (relative) -> <elsewhere>/real.json (absolute)
    Path real = Files.writeString(elsewhere.resolve("real.json"), "{\"debug\": true}");
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-------"));
    Path middle = root.resolve("conf/daemon.json");
    Files.createDirectories(middle.getParent());
    Files.createSymbolicLink(middle, real);
    Files.createDirectories(daemonJson().getParent());
    Path relative = Path.of("../../conf/daemon.json");
    Files.createSymbolicLink(daemonJson(), relative);

    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertNull(result.problem());
    assertEquals(relative, Files.readSymbolicLink(daemonJson()), "the link stays a link");
    assertEquals(real, Files.readSymbolicLink(middle));
    assertEquals("{\"debug\":true,\"insecure-registries\":[\"h:1\"]}", new ObjectMapper().readTree(real.toFile()).toString());
    assertEquals("rw-------", mode(real));
    assertEquals(List.of("real.json"), listing(elsewhere), "no temp file left next to the target");
    assertEquals(List.of("daemon.json"), listing(daemonJson().getParent()));
  }

  @Test
  void aDanglingSymlinkGetsItsTargetCreated() throws Exception {
    Files.createDirectories(daemonJson().getParent());
    Path target = elsewhere.resolve("daemon.json");
    Files.createSymbolicLink(daemonJson(), target);

    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertTrue(result.changed());
    assertNull(result.problem());
    assertTrue(Files.isSymbolicLink(daemonJson()));
    assertEquals("rw-r--r--", mode(target));
    assertEquals("{\"insecure-registries\":[\"h:1\"]}", new ObjectMapper().readTree(target.toFile()).toString());
  }

  @Test
  void numbersKeepTheirExactText() throws Exception {
    writeDaemonJson(
        "{\"max-concurrent-uploads\": 100000000000000000000000000000, \"ratio\": 1.50, \"exp\": 1E+3,"
            + " \"zero\": -0, \"nested\": {\"list\": [1.0, 2.50e-3, 7]}, \"insecure-registries\": []}");

    assertTrue(trust().ensureInsecure("h:1", null).changed());
    String text = Files.readString(daemonJson());
    for (String number : List.of(": 100000000000000000000000000000", ": 1.50", ": 1E+3", ": -0", "[ 1.0, 2.50e-3, 7 ]")) {
      assertTrue(text.contains(number), number + " in\n" + text);
    }
    assertEquals("[\"h:1\"]", parsedDaemonJson().get("insecure-registries").toString());
  }

  // ---- daemon.json that cannot be edited: warn, leave it, no exception ---------------------------

  static Stream<String> notEditable() {
    return Stream.of(
        "{ not json",
        "[1, 2]",
        "\"text\"",
        "null",
        "{} {}",
        "{\"insecure-registries\": \"h:0\"}",
        // beyond the parser's limits (1000 digits, 1000 levels)
        "{\"n\": " + "1".repeat(1200) + "}",
        "{\"n\": " + "[".repeat(1200) + "]".repeat(1200) + "}");
  }

  @ParameterizedTest
  @MethodSource("notEditable")
  void contentThatIsNotAnEditableObjectIsLeftAlone(String content) throws Exception {
    writeDaemonJson(content);
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertFalse(result.changed());
    assertFalse(result.reloaded());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("left unchanged"), result.problem());
    assertEquals(content, Files.readString(daemonJson()));
  }

  @Test
  void aDirectoryIsLeftAlone() throws Exception {
    Files.createDirectories(daemonJson());
    Files.writeString(daemonJson().resolve("inside"), "x");
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertFalse(result.changed());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("/etc/docker/daemon.json"), result.problem());
    assertTrue(Files.isDirectory(daemonJson()));
    assertEquals(List.of("inside"), listing(daemonJson()));
    assertEquals(List.of("daemon.json"), listing(daemonJson().getParent()));
  }

  @Test
  void aSymlinkLoopIsLeftAlone() throws Exception {
    Files.createDirectories(daemonJson().getParent());
    Files.createSymbolicLink(daemonJson(), Path.of("loop.json"));
    Files.createSymbolicLink(daemonJson().resolveSibling("loop.json"), Path.of("daemon.json"));
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertFalse(result.changed());
    assertNotNull(result.problem());
    assertEquals(Path.of("loop.json"), Files.readSymbolicLink(daemonJson()));
    assertEquals(Path.of("daemon.json"), Files.readSymbolicLink(daemonJson().resolveSibling("loop.json")));
  }

  @Test
  void aFifoIsLeftAloneWithoutHanging() throws Exception {
    Files.createDirectories(daemonJson().getParent());
    mkfifo(daemonJson());
    DaemonTrust.Result result = assertTimeoutPreemptively(DEADLINE, () -> trust().ensureInsecure("h:1", null));
    assertFalse(result.changed());
    assertNotNull(result.problem());
    assertFalse(Files.isRegularFile(daemonJson()), "still the FIFO");
  }

  @Test
  void aLinkIntoAMissingDirectoryIsReportedNotThrown() throws Exception {
    Files.createDirectories(daemonJson().getParent());
    Path target = elsewhere.resolve("no/such/dir/daemon.json");
    Files.createSymbolicLink(daemonJson(), target);
    DaemonTrust.Result result = trust().ensureInsecure("h:1", null);
    assertFalse(result.changed());
    assertNotNull(result.problem());
    assertTrue(result.problem().contains("cannot be written (no such file or directory)"), result.problem());
    assertEquals(target, Files.readSymbolicLink(daemonJson()));
    assertArrayEquals(new String[0], elsewhere.toFile().list(), "no directories made at the link's target");
  }

  private void mkfifo(Path path) throws Exception {
    Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, exitWithin(p));
    fifos.add(path);
  }
}
