package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReadyRecordTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static final Map<String, Object> OPTIONS = Map.of("auth-basic-password", "hunter2", "registry-port", 5000);

  private static final RecordKey KEY = RecordKey.of(new byte[RecordKey.LENGTH]);
  private static final RecordKey OTHER_KEY = RecordKey.of("another key of thirty-two bytes!".getBytes(StandardCharsets.UTF_8));

  private static final List<String> ADDRESSES = List.of("10.0.0.5", "10.0.0.5", "203.0.113.5");

  private static Plan plan() {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(OPTIONS));
    return Planner.plan(cfg, "the-http-secret", "10.0.0.5", new Owner("model", "docker-registry", "docker-registry/0"));
  }

  private static ReadyRecord record(Instant at, Instant notAfter) {
    Plan plan = plan();
    return ReadyRecord.of(KEY, at, ReadyRecord.inputs(KEY, OPTIONS, ADDRESSES), plan, "c0ffee", plan.files(), plan.absent(),
        Map.of("/etc/docker/registry/registry.crt", ReadyRecord.sourceDigest(KEY, Optional.of("CERT")), "/etc/docker/registry/registry.key", ""), false,
        "", notAfter, "Ready at 10.0.0.5:5000 (http).");
  }

  @Test
  void survivesItsTextAndHoldsNoSecret() {
    ReadyRecord r = record(NOW, null);
    String text = r.encode();
    assertFalse(text.contains("hunter2"), text);
    assertFalse(text.contains("the-http-secret"), text);
    ReadyRecord back = ReadyRecord.decode(text).orElseThrow();
    assertEquals(text, back.encode());
    assertEquals(plan().container().hash(), back.specHash());
    assertEquals(List.of(Planner.CONFIG_PATH, "rw-------"), back.files().get(0));
    assertEquals(List.of("/etc/docker/registry/auth/htpasswd", "admin"), back.htpasswd());
    assertEquals(5000, back.port());
    assertEquals("Ready at 10.0.0.5:5000 (http).", back.status());
  }

  @Test
  void anythingElseStoredIsNoRecord() {
    for (String text : new String[] {null, "", "{", "[]", "{\"v\":2}", "{\"v\":1}", "{\"v\":1,\"at\":\"x\"}"}) {
      assertEquals(Optional.empty(), ReadyRecord.decode(text), String.valueOf(text));
    }
  }

  @Test
  void currentForAnHourAndUntilTheCertificateWarningStarts() {
    ReadyRecord http = record(NOW, null);
    assertTrue(http.current(NOW));
    assertTrue(http.current(NOW.plus(Duration.ofMinutes(59))));
    assertFalse(http.current(NOW.plus(ReadyRecord.MAX_AGE)));
    assertFalse(http.current(NOW.minusSeconds(1)), "a clock set back");
    ReadyRecord https = record(NOW, NOW.plus(Duration.ofDays(14)).plusSeconds(1800));
    assertTrue(https.current(NOW));
    assertFalse(https.current(NOW.plusSeconds(1800)), "14 days before expiry the full reconcile takes over");
  }

  @Test
  void notCurrentOnceTheNextMaintenanceWindowIsDue() {
    Instant due = NOW.plus(Duration.ofMinutes(20));
    ReadyRecord r = record(NOW, null).withMaintenance("Ready at 10.0.0.5:5000 (http). Last maintenance failed at …", due);
    assertTrue(r.current(NOW));
    assertTrue(r.current(due.minusSeconds(1)));
    assertFalse(r.current(due), "at the window's start the full reconcile runs (and the job)");
    assertFalse(r.current(due.plus(Duration.ofMinutes(5))));
    ReadyRecord back = ReadyRecord.decode(r.encode()).orElseThrow();
    assertEquals(due, back.due());
    assertEquals(r.status(), back.status());
    assertEquals(record(NOW, null).encode(), back.withMaintenance("Ready at 10.0.0.5:5000 (http).", null).encode(), "the rest as it was");
    ReadyRecord none = record(NOW, null).withMaintenance("Ready at 10.0.0.5:5000 (http).", null);
    assertTrue(none.current(NOW.plus(Duration.ofMinutes(59))), "no schedule (or a follower): only the age counts");
    assertEquals(null, ReadyRecord.decode(none.encode()).orElseThrow().due());
  }

  @Test
  void filesMatchByContentModeAndAbsence() {
    Plan plan = plan();
    ReadyRecord r = record(NOW, null);
    Map<String, String> disk = new HashMap<>();
    plan.files().forEach(f -> disk.put(f.path() + " " + f.mode(), f.content()));
    ReadyRecord.Files files = (path, mode) -> Optional.ofNullable(disk.get(path + " " + mode));
    assertTrue(r.filesMatch(KEY, files, p -> false));
    assertFalse(r.filesMatch(OTHER_KEY, files, p -> false), "under another key");
    assertFalse(r.filesMatch(KEY, files, Set.copyOf(plan.absent())::contains), "a file that must be absent");
    String config = Planner.CONFIG_PATH + " rw-------";
    disk.put(config, disk.get(config) + "# changed\n");
    assertFalse(r.filesMatch(KEY, files, p -> false), "content");
    disk.put(Planner.CONFIG_PATH + " rw-r--r--", disk.remove(config));
    assertFalse(r.filesMatch(KEY, files, p -> false), "mode");
  }

  @Test
  void inputsAreTheOptionsAndTheAddresses() {
    String inputs = ReadyRecord.inputs(KEY, Map.of("a", 1, "b", "x"), ADDRESSES);
    assertEquals(inputs, ReadyRecord.inputs(KEY, new java.util.LinkedHashMap<>(Map.of("b", "x", "a", 1)), ADDRESSES), "in any order");
    assertNotEquals(inputs, ReadyRecord.inputs(KEY, Map.of("a", 2, "b", "x"), ADDRESSES));
    assertNotEquals(inputs, ReadyRecord.inputs(KEY, Map.of("a", 1, "b", "x"), List.of("10.0.0.6", "10.0.0.5", "203.0.113.5")), "ingress");
    assertNotEquals(inputs, ReadyRecord.inputs(KEY, Map.of("a", 1, "b", "x"), List.of("10.0.0.5", "10.0.0.5", "203.0.113.6")), "public");
    assertNotEquals(inputs, ReadyRecord.inputs(KEY, Map.of("a", 1, "b", "x", "c", true), ADDRESSES));
  }

  @Test
  void digestsAreKeyedNotPlainSha256() {
    String json = new String(charm.juju.Json.write(new java.util.TreeMap<>(OPTIONS)), StandardCharsets.UTF_8);
    String plain = charm.registry.ContainerSpec.sha256(json + "\0" + String.join("\0", ADDRESSES));
    String keyed = ReadyRecord.inputs(KEY, OPTIONS, ADDRESSES);
    assertNotEquals(plain, keyed, "a password in the options cannot be guessed at SHA-256 speed");
    assertEquals(keyed, ReadyRecord.inputs(RecordKey.of(new byte[RecordKey.LENGTH]), OPTIONS, ADDRESSES), "the same key: steady hooks confirm");
    assertNotEquals(keyed, ReadyRecord.inputs(OTHER_KEY, OPTIONS, ADDRESSES), "another key");
    assertNotEquals(charm.registry.ContainerSpec.sha256("CERT"), ReadyRecord.sourceDigest(KEY, Optional.of("CERT")));
    assertNotEquals(ReadyRecord.sourceDigest(KEY, Optional.of("CERT")), ReadyRecord.sourceDigest(OTHER_KEY, Optional.of("CERT")));
    String text = record(NOW, null).encode();
    assertFalse(text.contains(plain), text);
    assertFalse(text.contains(charm.registry.ContainerSpec.sha256("hunter2")), text);
  }

  @Test
  void operatorFilesThatAppearChangeOrGoAwayDoNotMatch() {
    ReadyRecord r = record(NOW, null);
    Map<String, Optional<String>> disk = new HashMap<>(Map.of("/etc/docker/registry/registry.crt", Optional.of("CERT"),
        "/etc/docker/registry/registry.key", Optional.empty()));
    assertTrue(r.sourcesMatch(KEY, disk::get));
    assertTrue(ReadyRecord.decode(r.encode()).orElseThrow().sourcesMatch(KEY, disk::get), "after a round trip");
    disk.put("/etc/docker/registry/registry.key", Optional.of("KEY"));
    assertFalse(r.sourcesMatch(KEY, disk::get), "a key put in place");
    disk.put("/etc/docker/registry/registry.key", Optional.empty());
    disk.put("/etc/docker/registry/registry.crt", Optional.of("RENEWED"));
    assertFalse(r.sourcesMatch(KEY, disk::get), "a renewed certificate");
    disk.put("/etc/docker/registry/registry.crt", Optional.empty());
    assertFalse(r.sourcesMatch(KEY, disk::get), "a certificate removed");
  }
}
