package jujusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** Runs command lines inside a real hook (update-status) of a unit and returns their results. */
final class Probe {
  private Probe() {}

  static List<FakeCharm.Out> run(Sim sim, FakeCharm charm, String unit, String... cmds) {
    charm.cmds("hooks/update-status", cmds);
    HookResult r = sim.hook(unit, "update-status");
    assertTrue(r.ran(), "update-status ran");
    return charm.outs(unit, "hooks/update-status", cmds.length);
  }

  static void ok(FakeCharm.Out o, String stdout) {
    assertEquals(new FakeCharm.Out(0, stdout, ""), o);
  }

  static void fails(FakeCharm.Out o, int rc, String stderr) {
    assertEquals(new FakeCharm.Out(rc, "", stderr), o);
  }
}
