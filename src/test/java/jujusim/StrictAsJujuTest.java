package jujusim;

import static jujusim.Probe.fails;
import static jujusim.Probe.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the simulator used to be more lenient than Juju (issue 18, point 10): action parameters'
 * minimum/maximum, the 128 KiB argument limit, {@code --file} input read as YAML by a reader as
 * strict as Juju's, and units placed on one machine sharing its ports.
 */
class StrictAsJujuTest {
  static final String DB = "db";
  @TempDir Path tmp;
  FakeCharm charm;
  Sim sim;

  @BeforeEach
  void setUp() {
    charm = FakeCharm.create(tmp);
    sim = Sim.create(tmp.resolve("work"), charm.dir, charm.options());
    sim.deploy(1);
  }

  @Test
  void actionParamsOutsideMinimumOrMaximumAreRefused() {
    SimException low = assertThrows(SimException.class, () -> sim.runAction("demo/0", "backup", Map.of("count", 0)));
    assertEquals("validation failed: (root).count : Must be greater than or equal to 1", low.getMessage());
    SimException high = assertThrows(SimException.class, () -> sim.runAction("demo/0", "backup", Map.of("count", 11)));
    assertEquals("validation failed: (root).count : Must be less than or equal to 10", high.getMessage());
    assertEquals("completed", sim.runAction("demo/0", "backup", Map.of("count", 1)).status);
    assertEquals("completed", sim.runAction("demo/0", "backup", Map.of("count", 10)).status);
  }

  @Test
  void anArgumentOver128KiBFailsLikeE2bigAndTheResultsAreLost() {
    charm.cmds("actions/backup",
        "action-set big=$(head -c 131066 /dev/zero | tr '\\0' x)", // "big=" + 131066 + NUL = 131071 bytes: fits
        "action-set huge=$(head -c 131072 /dev/zero | tr '\\0' x)");
    ActionOutcome o = sim.runAction("demo/0", "backup", Map.of());
    List<FakeCharm.Out> out = charm.outs("demo/0", "actions/backup", 2);
    assertEquals(0, out.get(0).rc(), out.get(0).err());
    assertEquals(126, out.get(1).rc());
    assertTrue(out.get(1).err().contains("Argument list too long"), out.get(1).err());
    assertEquals(131066, ((String) o.results.get("big")).length());
    assertFalse(o.results.containsKey("huge"));
  }

  @Test
  void theToolServerRefusesAnArgumentOver128KiBToo() {
    // Whatever reaches the server without an exec (the limit is the kernel's, per argument).
    Tools.Reply r = Tools.run(null, "/", "action-set", List.of("k=" + "x".repeat(131070)), null);
    assertEquals(126, r.code());
    assertEquals("action-set: Argument list too long\n", new String(r.stderr(), StandardCharsets.UTF_8));
  }

  @Test
  void fileInputIsReadAsStrictlyAsJujusYamlReader() {
    int db = sim.integrate(DB, "mysql", List.of("mysql/0"), Map.of(), Map.of());
    List<FakeCharm.Out> o = Probe.run(sim, charm, "demo/0",
        "printf '%s' '{\"k\":\"\\uD83D\\uDE00\"}' | relation-set -r db:" + db + " --file -",
        "printf '{\"k\":\"a\\x7fb\"}' | relation-set -r db:" + db + " --file -",
        "printf '{\"k\":\"a\\xc2\\x9fb\"}' | state-set --file -",
        "printf '%s' '{\"k\":\"\\uDE00\"}' | state-set --file -",
        "printf '{\"smile\":\"\\xf0\\x9f\\x98\\x80\",\"nel\":\"a\\xc2\\x85b\"}' | relation-set -r db:" + db + " --file -",
        "printf '%s' '{\"del\":\"a\\u007fb\",\"c1\":\"\\u0085\\u009f\",\"big\":\"\\U0001F600\"}' | state-set --file -");
    fails(o.get(0), 1, "ERROR yaml: found invalid Unicode character escape code\n");
    fails(o.get(1), 1, "ERROR yaml: control characters are not allowed\n");
    fails(o.get(2), 1, "ERROR yaml: control characters are not allowed\n");
    fails(o.get(3), 1, "ERROR yaml: found invalid Unicode character escape code\n");
    ok(o.get(4), "");
    ok(o.get(5), "");
    Map<String, String> bag = sim.localUnitData(db, "demo/0");
    assertEquals("\uD83D\uDE00", bag.get("smile"));
    assertEquals("a b", bag.get("nel"), "a raw NEL is a line break to YAML 1.1: folded to a space");
    Map<String, String> state = sim.unitState("demo/0");
    assertEquals("a\u007fb", state.get("del"));
    assertEquals("\u0085\u009f", state.get("c1"));
    assertEquals("\uD83D\uDE00", state.get("big"));
  }

  @Test
  void unitsPlacedOnOneMachineShareItsPorts() throws Exception {
    sim.model().unitMachines.put("demo/1", "0"); // juju add-unit --to 0
    sim.addUnit();
    sim.addUnit(); // its own machine
    assertEquals("0", env("demo/1", "JUJU_MACHINE_ID"));
    assertEquals("2", env("demo/2", "JUJU_MACHINE_ID"));
    Probe.run(sim, charm, "demo/0", "open-port 80-90/tcp");
    assertEquals(List.of("80-90/tcp"), sim.openedPorts("demo/0"));

    List<FakeCharm.Out> o = Probe.run(sim, charm, "demo/1", "open-port 80/tcp", "open-port 85-95/tcp", "open-port 80/udp", "open-port 91/tcp");
    fails(o.get(0), 1, "ERROR cannot open 80/tcp (unit \"demo/1\"): port range conflicts with 80-90/tcp (unit \"demo/0\")\n");
    fails(o.get(1), 1, "ERROR cannot open 85-95/tcp (unit \"demo/1\"): port range conflicts with 80-90/tcp (unit \"demo/0\")\n");
    ok(o.get(2), "");
    ok(o.get(3), "");
    assertEquals(List.of("91/tcp", "80/udp"), sim.openedPorts("demo/1"));

    List<FakeCharm.Out> other = Probe.run(sim, charm, "demo/2", "open-port 80/tcp");
    ok(other.get(0), "");
  }

  private String env(String unit, String name) throws Exception {
    sim.hook(unit, "update-status");
    String key = "hooks_update-status";
    for (String line : Files.readAllLines(charm.rec.resolve(unit.replace('/', '-')).resolve("env." + key))) {
      if (line.startsWith(name + "=")) {
        return line.substring(name.length() + 1);
      }
    }
    return null;
  }
}
