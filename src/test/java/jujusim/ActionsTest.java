package jujusim;

import static jujusim.Probe.fails;
import static jujusim.Probe.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Actions: juju run validation and defaults, action tools, the outcome table (spec §5). */
class ActionsTest {
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
  void defaultsAreFilledAndToolsWork() {
    charm.cmds("actions/backup",
        "action-get --format=json",
        "action-get compression.kind",
        "action-get compression.kind --format=json",
        "action-get nope.deeper --format=json",
        "action-set result=ok a.b=1 a.c=2 empty=",
        "action-set result-Value=1",
        "action-set stdout=x",
        "action-set a..b=1",
        "action-log -- step one",
        "action-log",
        "action-get a b",
        "echo to-stdout; echo to-stderr >&2",
        "state-set done=yes");
    ActionOutcome o = sim.runAction("demo/0", "backup", Map.of("count", 2));
    List<FakeCharm.Out> out = charm.outs("demo/0", "actions/backup", 13);
    ok(out.get(0), "{\"compression\":{\"kind\":\"gzip\"},\"count\":2,\"filename\":\"out.tgz\"}\n");
    ok(out.get(1), "gzip\n");
    ok(out.get(2), "\"gzip\"\n");
    ok(out.get(3), "null\n");
    ok(out.get(4), "");
    fails(out.get(5), 2,
        "ERROR key \"result-Value\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n");
    fails(out.get(6), 2, "ERROR cannot set reserved action key \"stdout\"\n");
    assertEquals(2, out.get(7).rc());
    ok(out.get(8), "");
    fails(out.get(9), 2, "ERROR no message specified\n");
    fails(out.get(10), 2, "ERROR unrecognized args: [\"b\"]\n");

    assertEquals("completed", o.status);
    assertEquals("", o.message);
    assertEquals("ok", o.results.get("result"));
    assertEquals(Map.of("b", "1", "c", "2"), o.results.get("a"));
    assertEquals("", o.results.get("empty"));
    assertEquals(0, o.results.get("return-code"));
    assertFalse(o.results.containsKey("stdout"), "the dispatch script's own stdout is empty");
    assertEquals(List.of("step one"), o.logs);
    assertEquals(Map.of("done", "yes"), sim.unitState("demo/0"));
    Map<String, String> env = charm.env("demo/0", "actions/backup");
    assertEquals("", env.get("JUJU_HOOK_NAME"));
    assertEquals("actions/backup", env.get("JUJU_DISPATCH_PATH"));
    assertEquals("backup", env.get("JUJU_ACTION_NAME"));
    assertEquals(o.id, env.get("JUJU_ACTION_UUID"));
    assertEquals("action-" + o.id, env.get("JUJU_ACTION_TAG"));
    assertFalse(env.containsKey("HOME"));
    assertFalse(env.containsKey("JAVA_HOME"));
    assertTrue(env.get("JUJU_CONTEXT_ID").startsWith("demo/0-backup-"));
    assertEquals(o, sim.lastAction());
    assertEquals("action:backup", sim.hookNames("demo/0").get(sim.hookNames("demo/0").size() - 1));
  }

  @Test
  void validationLikeJujuRun() {
    SimException e = assertThrows(SimException.class, () -> sim.runAction("demo/0", "nope", Map.of()));
    assertEquals("action \"nope\" not defined on unit \"demo/0\"", e.getMessage());
    e = assertThrows(SimException.class, () -> sim.runAction("demo/0", "backup", Map.of("extra", 1)));
    assertEquals("validation failed: (root) : Additional property extra is not allowed", e.getMessage());
    e = assertThrows(SimException.class, () -> sim.runAction("demo/0", "needs", Map.of()));
    assertEquals("validation failed: (root) : target is required", e.getMessage());
    e = assertThrows(SimException.class, () -> sim.runAction("demo/0", "backup", Map.of("count", "x")));
    assertEquals("validation failed: (root).count : Invalid type. Expected: integer, given: string", e.getMessage());
    assertThrows(SimException.class, () -> sim.runAction("demo/9", "backup", Map.of()));
    assertFalse(charm.hooks("demo/0").contains("actions/needs"), "nothing ran");
  }

  @Test
  void actionFailWithExitZeroCommits() {
    charm.cmds("actions/needs", "action-set partial=1", "action-fail -- 'disk full'", "state-set k=v");
    ActionOutcome o = sim.runAction("demo/0", "needs", Map.of("target", "x"));
    assertEquals("failed", o.status);
    assertEquals("disk full", o.message);
    assertEquals("1", o.results.get("partial"));
    assertEquals(Map.of("k", "v"), sim.unitState("demo/0"));
    assertFalse(sim.inError("demo/0"));
  }

  @Test
  void actionFailDefaultMessage() {
    charm.cmds("actions/needs", "action-fail");
    assertEquals(
        "action failed without reason given, check action for errors",
        sim.runAction("demo/0", "needs", Map.of("target", "x")).message);
  }

  @Test
  void nonZeroExitFailsAndCommitsNothing() {
    charm.cmds("actions/needs", "action-fail -- mine", "state-set k=v", "action-set r=1");
    charm.exit("actions/needs", 3);
    ActionOutcome o = sim.runAction("demo/0", "needs", Map.of("target", "x"));
    assertEquals("failed", o.status);
    assertEquals("exit status 3", o.message);
    assertEquals(3, o.results.get("return-code"));
    assertEquals("1", o.results.get("r"));
    assertEquals(Map.of(), sim.unitState("demo/0"));
    assertFalse(sim.inError("demo/0"), "a failed action never puts the unit in error");
  }

  /**
   * An action may write the peer bags its unit may write (spec: relation-set with {@code -r};
   * {@code --app} only on the leader). They are committed when it exits 0 (also after
   * action-fail), and the other peers then get -relation-changed, as after a hook; a non-zero exit
   * commits and fires nothing.
   */
  @Test
  void peerDataWrittenByAnActionIsCommittedAndThePeersHearOfIt() {
    sim.addUnit();
    int peer = sim.peerRelationId("cluster");
    charm.cmds("actions/needs", "relation-set -r cluster:" + peer + " gen=1", "relation-set -r cluster:" + peer + " --app gen=2",
        "relation-get -r cluster:" + peer + " gen demo/1");
    int before = charm.hooks("demo/0").size();
    ActionOutcome o = sim.runAction("demo/1", "needs", Map.of("target", "x"));
    assertEquals("completed", o.status);
    List<FakeCharm.Out> out = charm.outs("demo/1", "actions/needs", 3);
    ok(out.get(0), "");
    fails(out.get(1), 1, "ERROR cannot write relation settings\n");
    ok(out.get(2), "1\n");
    assertEquals("1", sim.localUnitData(peer, "demo/1").get("gen"));
    assertEquals(List.of("hooks/cluster-relation-changed"), charm.hooks("demo/0").subList(before, charm.hooks("demo/0").size()));
    assertEquals("demo/1", charm.env("demo/0", "hooks/cluster-relation-changed").get("JUJU_REMOTE_UNIT"));

    charm.cmds("actions/needs", "relation-set -r cluster:" + peer + " --app gen=3");
    assertEquals("completed", sim.runAction("demo/0", "needs", Map.of("target", "x")).status);
    assertEquals("3", sim.localAppData(peer).get("gen"), "the leader's");
    assertEquals("hooks/cluster-relation-changed", charm.hooks("demo/1").get(charm.hooks("demo/1").size() - 1));

    charm.cmds("actions/needs", "relation-set -r cluster:" + peer + " --app gen=4");
    charm.exit("actions/needs", 1);
    before = charm.hooks("demo/1").size();
    assertEquals("failed", sim.runAction("demo/0", "needs", Map.of("target", "x")).status);
    assertEquals("3", sim.localAppData(peer).get("gen"), "nothing committed");
    assertEquals(before, charm.hooks("demo/1").size(), "and nothing fired");
  }

  @Test
  void stdoutAndStderrAreRecorded() throws Exception {
    Path dispatch = charm.dir.resolve("dispatch");
    Files.writeString(dispatch, "#!/bin/bash\necho out-line\necho err-line >&2\n");
    ActionOutcome o = sim.runAction("demo/0", "needs", Map.of("target", "x"));
    assertEquals("out-line\n", o.results.get("stdout"));
    assertEquals("err-line\n", o.results.get("stderr"));
    assertEquals("completed", o.status);
  }

  @Test
  void actionNotImplemented() throws Exception {
    Files.delete(charm.dir.resolve("dispatch"));
    ActionOutcome o = sim.runAction("demo/0", "needs", Map.of("target", "x"));
    assertEquals("failed", o.status);
    assertEquals("action not implemented on unit \"demo/0\"", o.message);
  }
}
