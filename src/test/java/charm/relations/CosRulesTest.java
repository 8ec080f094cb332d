package charm.relations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import charm.juju.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules as the charm publishes them, checked and unit-tested by Prometheus's own
 * promtool (Debian's prometheus package; scripts/ensure-env.sh installs it): the suite fails
 * where promtool is missing rather than skipping the rules.
 */
class CosRulesTest {
  @TempDir Path dir;

  @Test
  void promtoolChecksAndTestsThePublishedRules() throws Exception {
    Object rules = CosAgentDataTest.parsed(CosAgentData.config(CosAgentDataTest.TOPOLOGY, 5001, "registry")).get("metrics_alert_rules");
    Files.write(dir.resolve("registry.rules.json"), Json.writePretty(rules));
    try (InputStream in = getClass().getResourceAsStream("/cos/registry.rules.test.yml")) {
      Files.write(dir.resolve("registry.rules.test.yml"), in.readAllBytes());
    }
    assertPromtool("check", "rules", "registry.rules.json");
    assertPromtool("test", "rules", "registry.rules.test.yml");
  }

  private void assertPromtool(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
  }
}
