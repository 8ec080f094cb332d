package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.registry.ServedTls;
import charm.workload.HostFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit's engine trust is checked against what is on disk, not against what unit state says
 * was done: daemon.json's insecure-registries entry and the certs.d files, under a temporary unit
 * root. A copy of sleep named dockerd plays the engine: SIGHUP ends it with status 129, so a
 * process still running (ended by our SIGTERM with 143) proves no reload was sent.
 */
class EngineTrustTest {
  static final Duration DEADLINE = Duration.ofSeconds(10);
  static final String NETLOC = "10.0.0.5:5000";

  @TempDir Path root;
  @TempDir Path bin;
  final RecordingHookTools tools = new RecordingHookTools();
  final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "process " + p.pid() + " ended");
    }
  }

  private EngineTrust trust() {
    return new EngineTrust(tools, new HostFiles(root));
  }

  private static Plan plan(Optional<ServedTls> tls) {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>());
    return Planner.plan(cfg, "s3cr3t", "10.0.0.5", new Owner("m", "docker-registry", "docker-registry/0"), tls);
  }

  private Path daemonJson() {
    return root.resolve("etc/docker/daemon.json");
  }

  private void writeDaemonJson(String text) throws IOException {
    Files.createDirectories(daemonJson().getParent());
    Files.writeString(daemonJson(), text);
  }

  /** A fake dockerd whose pid is in the unit root's docker.pid. */
  private Process dockerd() throws IOException {
    Path exe = bin.resolve("dockerd");
    if (!Files.exists(exe)) {
      Files.copy(Path.of("/bin/sleep"), exe);
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Process p = new ProcessBuilder(exe.toString(), "600").start();
    started.add(p);
    Path pid = root.resolve("var/run/docker.pid");
    Files.createDirectories(pid.getParent());
    Files.writeString(pid, p.pid() + "\n");
    return p;
  }

  private static int exitWithin(Process p) throws InterruptedException {
    assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "process " + p.pid() + " did not end in time");
    return p.exitValue();
  }

  @Test
  void anEmptiedInsecureRegistriesIsSeenAndRestoredThoughUnitStateSaysItWasAdded() throws Exception {
    Plan plan = plan(Optional.empty());
    Map<String, String> state = Map.of(Reconciler.TRUSTED, NETLOC);
    writeDaemonJson("{\n  \"insecure-registries\": [],\n  \"log-driver\": \"journald\"\n}\n");
    assertFalse(trust().matches(plan, TlsSetup.Outcome.plain()), "update-status sees the entry is gone");
    assertFalse(trust().settled(plan), "no ready record while it is gone");

    Process reloaded = dockerd();
    EngineTrust trust = trust();
    trust.apply(plan, TlsSetup.Outcome.plain(), state);
    String text = Files.readString(daemonJson());
    assertTrue(text.contains("\"" + NETLOC + "\"") && text.contains("\"journald\""), text);
    assertEquals(129, exitWithin(reloaded), "dockerd reloaded once (SIGHUP)");
    assertTrue(trust.settled(plan) && trust().matches(plan, TlsSetup.Outcome.plain()));
    assertFalse(tools.calls.contains("state-set"), "unit state already names it");

    Process untouched = dockerd();
    FileTime written = Files.getLastModifiedTime(daemonJson());
    trust().apply(plan, TlsSetup.Outcome.plain(), state);
    assertEquals(written, Files.getLastModifiedTime(daemonJson()), "a second hook changes nothing");
    assertTrue(untouched.isAlive(), "and sends no SIGHUP");
    untouched.destroy();
    assertEquals(143, exitWithin(untouched), "ended by our SIGTERM, not by a SIGHUP");
  }

  @Test
  void theOperatorsEntriesStayWhenTheEntryIsRestored() throws Exception {
    Plan plan = plan(Optional.empty());
    writeDaemonJson("{\"insecure-registries\": [\"operator.example:5000\"]}");
    trust().apply(plan, TlsSetup.Outcome.plain(), Map.of(Reconciler.TRUSTED, NETLOC));
    String text = Files.readString(daemonJson());
    assertTrue(text.contains("\"operator.example:5000\"") && text.contains("\"" + NETLOC + "\""), text);
  }

  @Test
  void aDaemonJsonThatCannotTakeTheEntryIsReportedNotRetriedAsDrift() throws Exception {
    Plan plan = plan(Optional.empty());
    Files.createDirectories(daemonJson());
    EngineTrust trust = trust();
    assertTrue(trust.matches(plan, TlsSetup.Outcome.plain()), "nothing a reconcile could repair");
    assertFalse(trust.settled(plan));
    assertTrue(trust.note().orElse("").contains("/etc/docker/daemon.json"), trust.note().toString());
  }

  @Test
  void aDeletedClientCertificateIsSeenAndRestored() throws Exception {
    ServedTls served = new ServedTls("SERVED CERT\n", "SERVED KEY\n", "CLIENT CAS\n", "tls-*-blob");
    Plan plan = plan(Optional.of(served));
    TlsSetup.Outcome tls = new TlsSetup.Outcome(Optional.of(served), Optional.empty(), "CA\n", new TlsSetup.LocalClient("KEY\n", "CERT\n"), null, null);
    trust().apply(plan, tls, Map.of());
    Path dir = root.resolve("etc/docker/certs.d/" + plan.netloc());
    assertEquals("CERT\n", Files.readString(dir.resolve("client.cert")));
    assertTrue(trust().matches(plan, tls));

    Files.delete(dir.resolve("client.cert"));
    assertFalse(trust().matches(plan, tls), "update-status sees it is gone");
    assertTrue(EngineTrust.expected(plan, tls).stream().anyMatch(f -> f.path().endsWith("/client.cert")), "and so does the ready record");
    trust().apply(plan, tls, Map.of(EngineTrust.CERTS_D_NETLOC, plan.netloc()));
    assertEquals("CERT\n", Files.readString(dir.resolve("client.cert")));
    assertTrue(trust().matches(plan, tls));
  }
}
