package jujusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save/load continues a model; packed .charm files; the command line. */
class PersistenceAndCliTest {
  @TempDir Path tmp;
  FakeCharm charm;

  @BeforeEach
  void setUp() {
    charm = FakeCharm.create(tmp);
  }

  @Test
  void loadContinuesTheModel() {
    Path work = tmp.resolve("work");
    Sim first = Sim.create(work, charm.dir, charm.options());
    first.deploy(2);
    int id = first.integrate("db", "mysql", List.of("mysql/0"), Map.of("database", "app"), Map.of());
    first.config(Map.of("port", 9000), List.of());
    charm.cmds("hooks/update-status", "state-set seen=1", "status-set active -- ok", "leader-set x=1");
    first.hook("demo/0", "update-status");
    first.save();

    Sim second = Sim.load(work);
    assertEquals(List.of("demo/0", "demo/1"), second.units());
    assertEquals("demo/0", second.leader());
    assertEquals(9000L, ((Number) second.effectiveConfig().get("port")).longValue());
    assertEquals(Map.of("seen", "1"), second.unitState("demo/0"));
    assertEquals("ok", second.unitStatus("demo/0").message);
    assertEquals(Map.of("x", "1"), second.leaderSettings());
    assertEquals(Map.of("database", "app"), second.relation(id).remoteAppData);
    assertEquals(first.hookHistory("demo/1").size(), second.hookHistory("demo/1").size());
    charm.cmds("hooks/update-status", "relation-list -r db:" + id + " --format=json", "config-get port");
    second.hook("demo/1", "update-status");
    Probe.ok(charm.out("demo/1", "hooks/update-status", 0), "[\"mysql/0\"]\n");
    Probe.ok(charm.out("demo/1", "hooks/update-status", 1), "9000\n");
    // a second id continues from the saved counter
    assertEquals(id + 1, second.integrate("website", "web", List.of(), Map.of(), Map.of()));
    for (int i = 0; i < 9; i++) {
      second.integrate("db", "app" + "abcdefghi".charAt(i), List.of(), Map.of(), Map.of());
    }
    second.save();
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), List.copyOf(Sim.load(work).model().relations.keySet()));
  }

  @Test
  void packedCharmKeepsFileModes() throws Exception {
    Path zip = tmp.resolve("demo.charm");
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip.toFile())) {
      for (String name : List.of("metadata.yaml", "config.yaml", "actions.yaml", "dispatch")) {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setUnixMode(name.equals("dispatch") ? 0100755 : 0100644);
        out.putArchiveEntry(e);
        out.write(Files.readAllBytes(charm.dir.resolve(name)));
        out.closeArchiveEntry();
      }
    }
    Sim sim = Sim.create(tmp.resolve("work"), zip, charm.options());
    List<HookResult> rs = sim.deploy(1);
    assertTrue(rs.stream().allMatch(r -> r.ran() && r.ok()), rs.toString());
    Path unitCharm = sim.unitDir("demo/0").resolve("charm");
    assertEquals(unitCharm, sim.charmDir("demo/0"));
    assertTrue(Files.isExecutable(unitCharm.resolve("dispatch")));
    assertFalse(Files.isExecutable(unitCharm.resolve("metadata.yaml")));
    assertEquals(unitCharm.toString(), charm.env("demo/0", "hooks/install").get("JUJU_CHARM_DIR"));
  }

  record Run(int code, String out, String err) {}

  private Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SimCli.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void commandLine() throws Exception {
    String dir = tmp.resolve("cli").toString();
    charm.cmds("hooks/start", "status-set active -- \"port $(config-get port)\"", "application-version-set 1.2",
        "open-port 9000");
    Run r = cli("--dir", dir, "deploy", "--charm", charm.dir.toString(), "--units", "2", "--config", "port=9000",
        "--env", "SIM_REC=" + charm.rec);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo/1 start exit 0"), r.out());

    r = cli("--dir", dir, "status");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("(?s).*demo/0\\*\\s+active\\s+1\\.2\\s+9000/tcp\\s+port 9000\n.*"), r.out());
    assertTrue(r.out().contains("demo/1 "), r.out());
    assertTrue(r.out().contains("cluster:0"), r.out());

    r = cli("--dir", dir, "config", "port=abc");
    assertEquals(new Run(1, "", "ERROR option \"port\" expected int, got \"abc\"\n"), r);
    r = cli("--dir", dir, "config", "nope=1");
    assertEquals(1, r.code());
    assertEquals("ERROR unknown option \"nope\"\n", r.err());

    charm.cmds("actions/backup", "action-set got=\"$(action-get count)\"", "action-log -- working");
    r = cli("--dir", dir, "run", "backup", "count=3", "--unit", "demo/1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("working\n"), r.out());
    assertTrue(r.out().contains("got: '3'"), r.out());
    r = cli("--dir", dir, "run", "needs");
    assertEquals(new Run(1, "", "ERROR validation failed: (root) : target is required\n"), r);
    charm.exit("actions/backup", 2);
    r = cli("--dir", dir, "run", "backup");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("ERROR the task failed: exit status 2"), r.err());

    r = cli("--dir", dir, "integrate", "db", "mysql", "--units", "2", "--app-data", "database=app");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("relation db:1"), r.out());
    r = cli("--dir", dir, "set-remote", "-r", "db:1", "--unit", "mysql/1", "user=u1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo/0 db-relation-changed exit 0"), r.out());

    charm.cmds("hooks/update-status", "juju-log -- hello from $JUJU_UNIT_NAME");
    r = cli("--dir", dir, "hook", "update-status", "--unit", "demo/1");
    assertEquals(0, r.code(), r.err());
    r = cli("--dir", dir, "log", "--unit", "demo/1");
    assertTrue(r.out().contains("demo/1 INFO hello from demo/1"), r.out());
    assertTrue(r.out().contains("demo/1 hook install exit 0"), r.out());

    charm.exit("hooks/update-status", 1);
    r = cli("--dir", dir, "hook", "update-status");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("hook \"update-status\" failed on demo/0: exit status 1"), r.err());
    charm.clear("hooks/update-status");
    assertEquals(0, cli("--dir", dir, "resolve", "demo/0").code());

    assertEquals(2, cli("--dir", dir, "bogus").code());
    assertEquals(1, cli("--dir", tmp.resolve("none").toString(), "status").code());
    Run bad = cli("--dir", tmp.resolve("none").toString(), "status");
    assertFalse(bad.err().contains("Exception"), bad.err());

    r = cli("--dir", dir, "destroy");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("demo/0 remove exit 0"), r.out());
    assertFalse(Files.exists(Path.of(dir)));
  }
}
