package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The record of the last full reconcile (unit state {@code ready}) on the real engine: a steady
 * update-status makes two hook-tool calls and a config-changed without a change four, and any
 * difference (a file, an option, the container's spec, the record's age) takes the full reconcile,
 * which repairs and records again.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadyRecordIT {
  SimUnit unit;
  Path calls;

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-ready");
    // Every hook tool through a wrapper that notes its name, then runs the simulator's tool.
    Path tools = unit.sim.unitDir(SimUnit.UNIT).resolve("tools");
    Path counting = Files.createDirectories(unit.work.resolve("counting"));
    calls = unit.work.resolve("calls.log");
    try (Stream<Path> names = Files.list(tools)) {
      for (Path tool : names.toList()) {
        Path wrapper = counting.resolve(tool.getFileName());
        Files.writeString(wrapper, "#!/bin/sh\necho " + tool.getFileName() + " >> " + calls + "\nexec " + tool + " \"$@\"\n");
        assertTrue(wrapper.toFile().setExecutable(true));
      }
    }
    unit.sim.model().env.put("PATH", counting + ":" + tools + ":/usr/local/bin:/usr/bin:/bin");
  }

  @AfterAll
  void remove() {
    unit.close();
  }

  private List<String> hook(String name) throws IOException {
    Files.deleteIfExists(calls);
    unit.hook(name);
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  private String record() {
    return unit.sim.unitState(SimUnit.UNIT).get("ready");
  }

  @Test
  void steadyHooksReadTheUnitStateAndConfirmTheWorld() throws IOException {
    hook("update-status");
    assertEquals(List.of("state-get", "status-set"), hook("update-status"));
    unit.assertActive();
    assertEquals(List.of("state-get", "config-get", "network-get", "status-set"), hook("config-changed"));
    unit.assertActive();
    assertEquals("Ready at " + unit.netloc() + " (http).", unit.status().message);
  }

  @Test
  void aChangedFileIsRepairedByTheFullReconcile() throws IOException {
    hook("update-status");
    String before = Files.readString(unit.configFile());
    Files.writeString(unit.configFile(), before + "# edited\n");
    assertTrue(hook("update-status").contains("config-get"), "the full reconcile");
    assertEquals(before, Files.readString(unit.configFile()));
    unit.assertActive();
    assertEquals(List.of("state-get", "status-set"), hook("update-status"));
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
    unit.sim.model().units.get(SimUnit.UNIT).state.put("ready", spec.replaceFirst("\"spec-hash\":\"[0-9a-f]+\"", "\"spec-hash\":\"00\""));
    assertTrue(hook("update-status").contains("config-get"));
    assertEquals(spec.replaceFirst("\"at\":[0-9]+", ""), record().replaceFirst("\"at\":[0-9]+", ""));
    unit.assertActive();
  }

  @Test
  void aRecordOlderThanAnHourTakesTheFullReconcileAndIsRenewed() throws IOException {
    hook("update-status");
    long old = System.currentTimeMillis() / 1000 - 3700;
    unit.sim.model().units.get(SimUnit.UNIT).state.put("ready", record().replaceFirst("\"at\":[0-9]+", "\"at\":" + old));
    List<String> full = hook("update-status");
    assertTrue(full.containsAll(List.of("config-get", "relation-ids", "state-set")), full.toString());
    assertFalse(record().contains("\"at\":" + old));
    assertEquals(List.of("state-get", "status-set"), hook("update-status"));
  }
}
