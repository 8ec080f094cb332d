package jujusim;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path tmp;

  @Test
  void smoke() {
    FakeCharm c = FakeCharm.create(tmp);
    c.cmds("hooks/update-status", "config-get --format=json", "is-leader", "relation-ids cluster --format=json", "config-get --foo");
    Sim sim = Sim.create(tmp.resolve("work"), c.dir, c.options());
    sim.deploy(2);
    System.out.println(sim.results());
    HookResult r = sim.hook("demo/0", "update-status");
    System.out.println(r);
    System.out.println(c.outs("demo/0", "hooks/update-status", 4));
    System.out.println(c.hooks("demo/1"));
  }
}
