package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.ReadyStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The record of the last full reconcile (a file in the charm directory, {@link ReadyStore}) on the
 * real engine: a steady update-status runs one hook tool (status-set) and a config-changed without
 * a change five (the options and the addresses it compares, then status-set), and any difference (a file, an option, the container's spec, the record's age,
 * another hook or an action in between) takes the full reconcile, which repairs and records again.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadyRecordIT {
  SimUnit unit;

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-ready");
    unit.countHookTools();
  }

  @AfterAll
  void remove() {
    unit.close();
  }

  private List<String> hook(String name) throws IOException {
    return unit.hookTools(name);
  }

  private Path recordFile() {
    return unit.sim.unitDir(SimUnit.UNIT).resolve("charm").resolve(ReadyStore.FILE);
  }

  private Path keyFile() {
    return unit.sim.unitDir(SimUnit.UNIT).resolve("charm").resolve(ReadyStore.KEY_FILE);
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String record() throws IOException {
    return Files.exists(recordFile()) ? Files.readString(recordFile()) : null;
  }

  private void storeRecord(String text) throws IOException {
    Files.writeString(recordFile(), text);
  }

  @Test
  void steadyHooksReadTheUnitStateAndConfirmTheWorld() throws IOException {
    hook("update-status");
    assertEquals(List.of("status-set"), hook("update-status"));
    unit.assertActive();
    assertEquals(List.of("config-get", "network-get", "unit-get", "unit-get", "status-set"), hook("config-changed"));
    unit.assertActive();
    assertEquals("Ready at " + unit.netloc() + " (http).", unit.status().message);
  }

  @Test
  void theRecordAndItsKeyAreTheUnitsOnlyAndHoldNoSecret() throws IOException {
    String password = "correct-horse-" + System.nanoTime();
    unit.config(Map.of("auth-basic-user", "alice", "auth-basic-password", password), List.of());
    try {
      unit.assertActive();
      hook("update-status");
      assertEquals(List.of("status-set"), hook("update-status"), "the keyed digests still confirm");
      String text = record();
      assertFalse(text.contains(password), "no option value");
      assertFalse(text.contains(sha256(password)), "nor its plain SHA-256");
      assertEquals("rw-------", mode(recordFile()));
      assertEquals("rw-------", mode(keyFile()));
      assertEquals(32, Files.size(keyFile()));
      assertEquals("rwx------", mode(recordFile().getParent()));
    } finally {
      unit.config(Map.of(), List.of("auth-basic-user", "auth-basic-password"));
    }
    unit.assertActive();
  }

  @Test
  void aChangedFileIsRepairedByTheFullReconcile() throws IOException {
    hook("update-status");
    String before = Files.readString(unit.configFile());
    Files.writeString(unit.configFile(), before + "# edited\n");
    assertTrue(hook("update-status").contains("config-get"), "the full reconcile");
    assertEquals(before, Files.readString(unit.configFile()));
    unit.assertActive();
    assertEquals(List.of("status-set"), hook("update-status"));
  }

  @Test
  void anOptionChangeOrAnotherSpecTakesTheFullReconcile() throws IOException {
    hook("update-status");
    String before = record();
    unit.config(Map.of("log-level", "debug"), List.of());
    unit.assertActive();
    assertNotEquals(before, record(), "recorded anew");
    unit.config(Map.of(), List.of("log-level"));

    String spec = record();
    storeRecord(spec.replaceFirst("\"spec-hash\":\"[0-9a-f]+\"", "\"spec-hash\":\"00\""));
    assertTrue(hook("update-status").contains("config-get"));
    assertEquals(spec.replaceFirst("\"at\":[0-9]+", ""), record().replaceFirst("\"at\":[0-9]+", ""));
    unit.assertActive();
  }

  @Test
  void aRecordOlderThanAnHourTakesTheFullReconcileAndIsRenewed() throws IOException {
    hook("update-status");
    long old = System.currentTimeMillis() / 1000 - 3700;
    storeRecord(record().replaceFirst("\"at\":[0-9]+", "\"at\":" + old));
    List<String> full = hook("update-status");
    assertTrue(full.containsAll(List.of("config-get", "relation-ids", "state-get")), full.toString());
    assertFalse(record().contains("\"at\":" + old));
    assertEquals(List.of("status-set"), hook("update-status"));
  }

  @Test
  void anotherHookOrAnActionRemovesItAndTheNextUpdateStatusChecksInFull() throws IOException {
    hook("update-status");
    assertTrue(Files.exists(recordFile()));
    ActionOutcome images = unit.sim.runAction(SimUnit.UNIT, "images", Map.of());
    assertEquals("completed", images.status, images.message);
    assertFalse(Files.exists(recordFile()), "an action leaves no record behind");
    assertTrue(hook("update-status").contains("state-get"), "the full check");
    assertEquals(List.of("status-set"), hook("update-status"));

    ActionOutcome stop = unit.sim.runAction(SimUnit.UNIT, "stop", Map.of());
    assertEquals("completed", stop.status, stop.message);
    try {
      assertFalse(Files.exists(recordFile()));
      for (String steady : List.of("update-status", "config-changed")) {
        hook(steady);
        assertEquals("blocked", unit.status().status, steady + " keeps the stop action's status");
        assertFalse(Files.exists(recordFile()), "no record while stopped");
      }
    } finally {
      ActionOutcome start = unit.sim.runAction(SimUnit.UNIT, "start", Map.of());
      assertEquals("completed", start.status, start.message);
    }
    unit.assertActive();
    assertEquals(List.of("status-set"), hook("update-status"), "the start action recorded the ready unit");
  }

  @Test
  void aBlockedUnitHasNoRecord() throws IOException {
    hook("update-status");
    unit.config(Map.of("log-level", "loud"), List.of());
    assertEquals("blocked", unit.status().status);
    assertFalse(Files.exists(recordFile()), "blocked: no record");
    unit.config(Map.of(), List.of("log-level"));
    unit.assertActive();
    assertTrue(Files.exists(recordFile()));
  }

  /**
   * Over HTTPS (client certificates on) the steady update-status proves the registry answers with
   * curl, pinned to the served key: the JVM loads none of JSSE's classes. A record whose pin is another
   * key's makes curl refuse, and only the Java probe (JSSE loaded) confirms the unit.
   */
  @Test
  void overHttpsTheSteadyHookProvesTheRegistryWithCurlAndLoadsNoTls() throws IOException {
    TestPki pki = TestPki.create(unit.work.resolve("pki"), "it-ready-ca");
    CertAndKey server = pki.server("registry", List.of("IP:127.0.0.1"));
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    List<String> blobs = List.of("tls-cert-blob", "tls-key-blob", "tls-ca-blob");
    Path classLog = unit.work.resolve("class-load.log");
    try {
      unit.config(Map.of("tls-cert-blob", b64.encodeToString(server.certPem().getBytes(StandardCharsets.US_ASCII)),
          "tls-key-blob", b64.encodeToString(Files.readAllBytes(server.key())),
          "tls-ca-blob", b64.encodeToString(pki.caPem().getBytes(StandardCharsets.US_ASCII))), List.of());
      assertEquals("Ready at " + unit.netloc() + " (https).", unit.status().message);
      assertTrue(record().matches("(?s).*\"pin\":\"sha256//[A-Za-z0-9+/]{43}=\".*"), record());

      unit.sim.model().env.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classLog);
      assertEquals(List.of("status-set"), hook("update-status"));
      List<String> tls = Files.readAllLines(classLog).stream().filter(l -> l.contains(" sun.security.ssl.")).toList();
      assertEquals(List.of(), tls, "the steady HTTPS hook loads no TLS implementation (JSSE)");

      storeRecord(record().replaceFirst("\"pin\":\"[^\"]*\"", "\"pin\":\"sha256//" + "A".repeat(43) + "=\""));
      Files.delete(classLog);
      assertEquals(List.of("status-set"), hook("update-status"), "the Java probe confirms what curl refused");
      assertTrue(Files.readAllLines(classLog).stream().anyMatch(l -> l.contains(" sun.security.ssl.SSLSocketImpl ")),
          "curl refused another key; the JDK's client was asked");
      unit.assertActive();
    } finally {
      unit.sim.model().env.remove("JAVA_TOOL_OPTIONS");
      unit.config(Map.of(), blobs);
    }
    assertEquals("Ready at " + unit.netloc() + " (http).", unit.status().message);
  }
}
