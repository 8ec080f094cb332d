package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendOnlyLogTest {
  @TempDir Path root;

  @Test
  void itRotatesToOneOldFileSoItNeverHoldsMoreThanTwiceItsBound() throws Exception {
    AppendOnlyLog log = new AppendOnlyLog(root.resolve("var/log/x/a.log"), 100);
    for (int i = 0; i < 50; i++) {
      log.append(List.of(String.format("line %03d ----------", i))); // 20 bytes with the line break
    }
    long current = Files.size(log.file());
    long old = Files.size(log.rotated());
    assertTrue(current <= 100 && old <= 100, current + " " + old);
    assertEquals("line 049 ----------", Files.readAllLines(log.file()).get(Files.readAllLines(log.file()).size() - 1));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(log.file())));
    assertEquals(List.of("line 049 ----------"), log.lastLines(20).subList(log.lastLines(20).size() - 1, log.lastLines(20).size()));
    assertFalse(Files.exists(root.resolve("var/log/x/a.log.2")));
  }

  @Test
  void aBatchLargerThanTheBoundKeepsItsLastLines() throws Exception {
    AppendOnlyLog log = new AppendOnlyLog(root.resolve("b.log"), 45);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lines.add("entry " + i + " ------"); // 15 bytes with the line break
    }
    log.append(lines);
    assertEquals(List.of("entry 7 ------", "entry 8 ------", "entry 9 ------"), Files.readAllLines(log.file()));
  }

  @Test
  void aTornLastLineIsNotTakenForTheLastLine() throws Exception {
    Path file = Files.writeString(root.resolve("c.log"), "2026-01-01T00:00:00Z one\n2026-01-01T00:00:01Z tw");
    assertEquals(List.of("2026-01-01T00:00:00Z one"), new AppendOnlyLog(file, 1000).lastLines(1000));
  }

  @Test
  void maintenanceLinesAreOneLineEach() throws Exception {
    MaintenanceLog log = new MaintenanceLog(new HostFiles(root));
    log.note(Instant.parse("2026-01-02T03:04:05.678Z"), "garbage-collect", true, "registry garbage-collect exited with 1:\nPath not found");
    log.note(Instant.parse("2026-01-02T04:04:05Z"), "scheduled-prune", false, "pruned 2 tags");
    assertEquals(List.of("2026-01-02T03:04:05Z garbage-collect failed: registry garbage-collect exited with 1: Path not found",
        "2026-01-02T04:04:05Z scheduled-prune done: pruned 2 tags"), Files.readAllLines(root.resolve("var/log/docker-registry/maintenance.log")));
  }

  @Test
  void anUploadsStateIsRedactedAndTimesAreTheEngines() {
    assertEquals("2026-01-02T03:04:05.1Z 10.0.0.1 - - [x] \"PATCH /v2/a/blobs/uploads/u?_state=REDACTED&digest=sha256:1 HTTP/1.1\" 202 0",
        RegistryLogs.redact("2026-01-02T03:04:05.1Z 10.0.0.1 - - [x] \"PATCH /v2/a/blobs/uploads/u?_state=eyJOYW1lIjoi%3D%3D&digest=sha256:1 HTTP/1.1\" 202 0"));
    assertEquals(Instant.parse("2026-01-02T03:04:05.123456789Z"), RegistryLogs.time("2026-01-02T03:04:05.123456789Z msg").orElseThrow());
    assertEquals("1767323045.123456789", RegistryLogs.unixSeconds(Instant.parse("2026-01-02T03:04:05.123456789Z")));
    assertTrue(RegistryLogs.time("no time here").isEmpty());
  }
}
