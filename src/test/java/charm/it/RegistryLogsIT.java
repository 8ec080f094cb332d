package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.relations.CosAgentData;
import charm.relations.CosAgentDataTestAccess;
import charm.relations.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The registry's logs where COS collectors tail them: a unit on a real S3 server (s3proxy) whose
 * server then stops, so the registry's storage health check fails and it answers 503. The access
 * lines reach {@code /var/log/docker-registry/<registry-name>.log} (under the unit root) through
 * the hooks' copy; the published {@code RegistryStorageUnhealthy} rule's line filter matches the
 * 503 lines and none of the healthy ones; a failed garbage-collect leaves the line that {@code
 * RegistryMaintenanceFailed} matches; the real container logs with json-file, rotated and bounded.
 */
@Tag("docker")
class RegistryLogsIT {
  static final Duration OUTAGE_DEADLINE = Duration.ofSeconds(60); // 3 failed checks, 10 s apart

  Path work;
  S3Server s3;
  SimUnit unit;

  @AfterEach
  void cleanUp() throws IOException {
    if (unit != null) {
      unit.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (work != null) {
      TestFiles.deleteTree(work);
    }
  }

  @Test
  void storageUnhealthyAndAFailedCollectionReachTheLogFilesTheRulesWatch() throws IOException {
    work = Files.createTempDirectory("hlogs-it");
    String bucket = "hlogs-bucket";
    s3 = S3Server.start(work.resolve("s3"), bucket);
    unit = SimUnit.deploy("hlogs-it", m -> {
      m.config.put("storage-s3-region", "us-east-1");
      m.config.put("storage-s3-bucket", bucket);
      m.config.put("storage-s3-regionendpoint", s3.endpoint());
      m.config.put("storage-s3-accesskey", s3.accessKey());
      m.config.put("storage-s3-secretkey", s3.secretKey());
      m.config.put("storage-s3-secure", false);
    });
    unit.assertActive();
    String config = CosAgentData.config(new Topology("m", "u", "docker-registry", SimUnit.UNIT, CosAgentData.CHARM), 5001, unit.name);
    Pattern unhealthy = CosAgentDataTestAccess.lineFilter(config, "RegistryStorageUnhealthy");
    Pattern failed = CosAgentDataTestAccess.lineFilter(config, "RegistryMaintenanceFailed");

    // The engine keeps the container's output rotated and bounded, whatever its default driver.
    assertEquals("{\"Type\":\"json-file\",\"Config\":{\"max-file\":\"3\",\"max-size\":\"10m\"}}",
        Cmd.ok("docker", "inspect", "-f", "{{json .HostConfig.LogConfig}}", unit.name).strip());

    assertEquals(200, Http.status("http://" + unit.netloc() + "/v2/"));
    unit.hook("update-status");
    Path log = unit.root.resolve("var/log/docker-registry/" + unit.name + ".log");
    List<String> healthy = Files.readAllLines(log);
    assertTrue(healthy.stream().anyMatch(l -> l.contains("\"GET /v2/ HTTP/1.1\" 200 ")), String.join("\n", healthy));
    assertTrue(healthy.stream().noneMatch(l -> unhealthy.matcher(l).find()), "no healthy line matches: " + healthy);
    unit.hook("update-status");
    List<String> again = Files.readAllLines(log);
    assertEquals(again.stream().distinct().count(), again.size(), "no line is copied twice (each starts with its nanosecond time)");
    assertEquals(healthy, again.subList(0, healthy.size()), "a second copy only appends");

    s3.close();
    s3 = null;
    Poll.until(OUTAGE_DEADLINE, () -> {
      unit.hook("update-status");
      return unit.status().status.equals("blocked");
    }, () -> "still " + unit.status().status + ": " + unit.status().message);
    assertEquals(503, Http.status("http://" + unit.netloc() + "/v2/"));
    ActionOutcome gc = unit.sim.runAction(SimUnit.UNIT, "garbage-collect", Map.of());
    assertEquals(0, gc.exitCode, gc.stderr);
    unit.hook("update-status");

    List<String> lines = Files.readAllLines(log);
    List<String> matched = lines.stream().filter(l -> unhealthy.matcher(l).find()).toList();
    assertFalse(matched.isEmpty(), "no 503 line matched in:\n" + String.join("\n", lines));
    assertTrue(matched.stream().allMatch(l -> l.contains(" 503 ") && l.contains("/v2/")), String.join("\n", matched));
    assertTrue(matched.stream().anyMatch(l -> l.contains("\"GET /v2/ HTTP/1.1\" 503 ")), String.join("\n", matched));
    for (String line : lines) {
      assertFalse(line.contains(unit.sim.model().config.get("storage-s3-secretkey").toString()), "the secret key leaked: " + line);
    }
    assertEquals("0640", mode(log));

    Path maintenance = unit.root.resolve("var/log/docker-registry/maintenance.log");
    List<String> outcomes = Files.readAllLines(maintenance);
    assertEquals(1, outcomes.size(), String.join("\n", outcomes));
    assertTrue(failed.matcher(outcomes.get(0)).find(), outcomes.get(0));
    assertTrue(outcomes.get(0).contains(" garbage-collect failed: "), outcomes.get(0));
    assertEquals("failed", gc.status, gc.message);
  }

  private static String mode(Path p) throws IOException {
    String perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    int bits = 0;
    for (char c : perms.toCharArray()) {
      bits = (bits << 1) | (c == '-' ? 0 : 1);
    }
    return String.format("%04o", bits);
  }
}
