package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonTrustTest {
  @TempDir Path root;

  private JsonNode daemonJson() throws Exception {
    return new ObjectMapper().readTree(root.resolve("etc/docker/daemon.json").toFile());
  }

  @Test
  void addsKeepsOtherSettingsAndRemovesThePreviousEntry() throws Exception {
    Path daemon = root.resolve("etc/docker/daemon.json");
    Files.createDirectories(daemon.getParent());
    Files.writeString(daemon, "{\"log-driver\":\"journald\",\"insecure-registries\":[\"other:1\"]}");
    DaemonTrust trust = new DaemonTrust(new HostFiles(root));

    DaemonTrust.Result first = trust.ensureInsecure("10.0.0.5:5000", null);
    assertTrue(first.changed());
    assertFalse(first.reloaded(), "no docker.pid under the test root, so no SIGHUP");
    assertEquals("journald", daemonJson().get("log-driver").asText());
    assertEquals("[\"other:1\",\"10.0.0.5:5000\"]", daemonJson().get("insecure-registries").toString());

    assertFalse(trust.ensureInsecure("10.0.0.5:5000", null).changed(), "second run changes nothing");

    trust.ensureInsecure("10.0.0.5:5001", "10.0.0.5:5000");
    assertEquals("[\"other:1\",\"10.0.0.5:5001\"]", daemonJson().get("insecure-registries").toString());
  }

  @Test
  void invalidJsonIsLeftAlone() throws Exception {
    Path daemon = root.resolve("etc/docker/daemon.json");
    Files.createDirectories(daemon.getParent());
    Files.writeString(daemon, "{ not json");
    DaemonTrust.Result result = new DaemonTrust(new HostFiles(root)).ensureInsecure("h:1", null);
    assertFalse(result.changed());
    assertNotNull(result.problem());
    assertEquals("{ not json", Files.readString(daemon));
  }
}
