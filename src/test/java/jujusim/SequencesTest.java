package jujusim;

import static jujusim.Probe.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hook ordering (spec §2.2), environments (§4), transactions (§0.5) and failures (§5). */
class SequencesTest {
  @TempDir Path tmp;
  FakeCharm charm;
  Sim sim;

  @BeforeEach
  void setUp() {
    charm = FakeCharm.create(tmp);
    sim = Sim.create(tmp.resolve("work"), charm.dir, charm.options());
  }

  private static List<String> hooks(String... names) {
    return List.of(names).stream().map(n -> "hooks/" + n).toList();
  }

  @Test
  void deployOrderAndStatus() {
    sim.deploy(2);
    assertEquals(
        hooks("install", "cluster-relation-created", "leader-elected", "config-changed", "start",
            "cluster-relation-joined", "cluster-relation-changed"),
        charm.hooks("demo/0"));
    assertEquals(
        hooks("install", "cluster-relation-created", "leader-settings-changed", "config-changed", "start",
            "cluster-relation-joined", "cluster-relation-changed"),
        charm.hooks("demo/1"));
    assertEquals("demo/0", sim.leader());
    assertEquals("unknown", sim.unitStatus("demo/0").status);
    assertEquals("installing charm software", sim.statusHistory("demo/0").get(0).message);
    assertEquals("demo/1", charm.env("demo/0", "hooks/cluster-relation-joined").get("JUJU_REMOTE_UNIT"));
    assertEquals(7, sim.hookHistory("demo/1").size());
    assertEquals(List.of("demo/0", "demo/1"), sim.units());
  }

  @Test
  void hookEnvironment() {
    sim.deploy(1);
    Map<String, String> env = charm.env("demo/0", "hooks/install");
    Set<String> keys = new HashSet<>(env.keySet());
    keys.removeAll(Set.of("PWD", "SHLVL", "_", "OLDPWD"));
    assertEquals(
        Set.of("JUJU_CHARM_DIR", "CHARM_DIR", "JUJU_CONTEXT_ID", "JUJU_HOOK_NAME", "JUJU_DISPATCH_PATH",
            "JUJU_UNIT_NAME", "JUJU_MODEL_NAME", "JUJU_MODEL_UUID", "JUJU_VERSION", "JUJU_AGENT_SOCKET_ADDRESS",
            "JUJU_AGENT_SOCKET_NETWORK", "JUJU_API_ADDRESSES", "JUJU_MACHINE_ID", "JUJU_PRINCIPAL_UNIT",
            "JUJU_AVAILABILITY_ZONE", "CLOUD_API_VERSION", "JUJU_CHARM_HTTP_PROXY", "JUJU_CHARM_HTTPS_PROXY",
            "JUJU_CHARM_FTP_PROXY", "JUJU_CHARM_NO_PROXY", "APT_LISTCHANGES_FRONTEND", "DEBIAN_FRONTEND",
            "LANG", "TERM", "PATH", "SIM_REC"),
        keys);
    assertEquals("install", env.get("JUJU_HOOK_NAME"));
    assertEquals("hooks/install", env.get("JUJU_DISPATCH_PATH"));
    assertEquals("demo/0", env.get("JUJU_UNIT_NAME"));
    assertEquals("3.6.4", env.get("JUJU_VERSION"));
    assertEquals("tcp", env.get("JUJU_AGENT_SOCKET_NETWORK"));
    assertTrue(env.get("JUJU_AGENT_SOCKET_ADDRESS").matches("127\\.0\\.0\\.1:[0-9]+"));
    assertTrue(env.get("JUJU_CONTEXT_ID").matches("demo/0-install-[0-9a-f]{32}"), env.get("JUJU_CONTEXT_ID"));
    assertEquals(charm.dir.toAbsolutePath().toString(), env.get("JUJU_CHARM_DIR"));
    assertEquals(env.get("JUJU_CHARM_DIR"), env.get("PWD"));
    assertTrue(env.get("PATH").startsWith(sim.unitDir("demo/0").resolve("tools") + ":/usr/local/sbin:"));
    assertEquals("C.UTF-8", env.get("LANG"));
    assertEquals("", env.get("JUJU_PRINCIPAL_UNIT"));
  }

  @Test
  void relationLifecycleAndEnvironment() {
    sim.deploy(1);
    charm.cmds("hooks/db-relation-departed", "relation-list --format=json", "relation-get user --format=json");
    charm.cmds("hooks/db-relation-broken", "relation-list --format=json", "relation-ids --format=json");
    int id =
        sim.integrate("db", "mysql", List.of("mysql/0", "mysql/1"), Map.of(), Map.of("mysql/1", Map.of("user", "u1")));
    assertEquals(
        hooks("db-relation-created", "db-relation-joined", "db-relation-changed", "db-relation-joined",
            "db-relation-changed"),
        tail(charm.hooks("demo/0"), 5));
    Map<String, String> created = charm.env("demo/0", "hooks/db-relation-created");
    assertEquals("", created.get("JUJU_REMOTE_UNIT"));
    assertEquals("mysql", created.get("JUJU_REMOTE_APP"));
    assertEquals("db", created.get("JUJU_RELATION"));
    assertEquals("db:" + id, created.get("JUJU_RELATION_ID"));
    assertFalse(created.containsKey("JUJU_DEPARTING_UNIT"));
    assertEquals("mysql/1", charm.env("demo/0", "hooks/db-relation-changed").get("JUJU_REMOTE_UNIT"));

    sim.setRemoteUnitData(id, "mysql/0", Map.of("user", "u0"));
    assertEquals(hooks("db-relation-changed"), tail(charm.hooks("demo/0"), 1));
    assertEquals("mysql/0", charm.env("demo/0", "hooks/db-relation-changed").get("JUJU_REMOTE_UNIT"));

    sim.removeRemoteUnit(id, "mysql/1");
    Map<String, String> departed = charm.env("demo/0", "hooks/db-relation-departed");
    assertEquals("mysql/1", departed.get("JUJU_DEPARTING_UNIT"));
    assertEquals("mysql/1", departed.get("JUJU_REMOTE_UNIT"));
    ok(charm.out("demo/0", "hooks/db-relation-departed", 0), "[\"mysql/0\"]\n");
    ok(charm.out("demo/0", "hooks/db-relation-departed", 1), "\"u1\"\n");

    sim.removeRelation(id);
    assertEquals(hooks("db-relation-departed", "db-relation-broken"), tail(charm.hooks("demo/0"), 2));
    Map<String, String> broken = charm.env("demo/0", "hooks/db-relation-broken");
    assertEquals("", broken.get("JUJU_REMOTE_UNIT"));
    assertEquals("mysql", broken.get("JUJU_REMOTE_APP"));
    assertFalse(broken.containsKey("JUJU_DEPARTING_UNIT"));
    ok(charm.out("demo/0", "hooks/db-relation-broken", 0), "[]\n");
    assertFalse(sim.hasRelation(id));
  }

  @Test
  void integrateRejectsWhatJujuWould() {
    sim.deploy(1);
    assertThrows(SimException.class, () -> sim.integrate("nope", "mysql", List.of(), Map.of(), Map.of()));
    assertThrows(SimException.class, () -> sim.integrate("cluster", "mysql", List.of(), Map.of(), Map.of()));
    assertThrows(SimException.class, () -> sim.integrate("db", "mysql", List.of("pg/0"), Map.of(), Map.of()));
  }

  @Test
  void failedHookCommitsNothingButStatusSticks() {
    sim.deploy(1);
    int id = sim.integrate("db", "mysql", List.of("mysql/0"), Map.of(), Map.of());
    charm.cmds("hooks/update-status",
        "relation-set -r db:" + id + " k=v",
        "state-set s=1",
        "open-port 5000",
        "status-set blocked -- broken",
        "application-version-set -- 9.9",
        "juju-log -- before failing",
        "leader-set lk=lv");
    charm.exit("hooks/update-status", 3);
    HookResult r = sim.hook("demo/0", "update-status");
    assertEquals(3, r.exitCode());
    assertFalse(sim.localUnitData(id, "demo/0").containsKey("k"));
    assertEquals(Map.of(), sim.unitState("demo/0"));
    assertEquals(List.of(), sim.openedPorts("demo/0"));
    assertEquals("9.9", sim.workloadVersion("demo/0"));
    assertEquals(Map.of("lk", "lv"), sim.leaderSettings());
    assertEquals("before failing", sim.logs("demo/0").get(sim.logs("demo/0").size() - 1).message);
    assertTrue(sim.inError("demo/0"));
    assertEquals("error", sim.unitStatus("demo/0").status);
    assertEquals("hook failed: \"update-status\"", sim.unitStatus("demo/0").message);
    assertEquals("error", sim.appStatus().status);
    Model.HookRecord last = sim.hookHistory("demo/0").get(sim.hookHistory("demo/0").size() - 1);
    assertEquals("update-status", last.hook);
    assertEquals(3, last.exitCode);

    // while in error, hooks are held back; resolving runs them
    sim.config(Map.of("port", 9000), List.of());
    assertEquals("hooks/update-status", tail(charm.hooks("demo/0"), 1).get(0));
    charm.clear("hooks/update-status");
    sim.resolve("demo/0", true);
    assertEquals(hooks("update-status", "config-changed"), tail(charm.hooks("demo/0"), 2));
    assertFalse(sim.inError("demo/0"));
    assertEquals("blocked", sim.unitStatus("demo/0").status);
  }

  @Test
  void committedWritesAndPeerFollowUps() {
    sim.deploy(2);
    int peer = sim.peerRelationId("cluster");
    charm.cmds("hooks/update-status", "relation-set -r cluster:" + peer + " ready=yes", "open-port 5000/tcp");
    sim.hook("demo/0", "update-status");
    assertEquals("yes", sim.localUnitData(peer, "demo/0").get("ready"));
    assertEquals(List.of("5000/tcp"), sim.openedPorts("demo/0"));
    assertEquals(hooks("cluster-relation-changed"), tail(charm.hooks("demo/1"), 1));
    assertEquals("demo/0", charm.env("demo/1", "hooks/cluster-relation-changed").get("JUJU_REMOTE_UNIT"));
    // an identical write changes nothing and fires nothing
    int before = charm.hooks("demo/1").size();
    sim.hook("demo/0", "update-status");
    assertEquals(before, charm.hooks("demo/1").size());
  }

  @Test
  void addRemoveUnitAndLeadership() {
    sim.deploy(1);
    int id = sim.integrate("db", "mysql", List.of("mysql/0"), Map.of(), Map.of());
    sim.addUnit();
    assertEquals("demo/1", sim.lastUnit());
    assertEquals(
        hooks("install", "cluster-relation-created", "db-relation-created", "leader-settings-changed",
            "config-changed", "start", "cluster-relation-joined", "cluster-relation-changed",
            "db-relation-joined", "db-relation-changed"),
        charm.hooks("demo/1"));
    assertEquals(hooks("cluster-relation-joined", "cluster-relation-changed"), tail(charm.hooks("demo/0"), 2));

    sim.setLeader("demo/1");
    assertEquals(hooks("leader-elected"), tail(charm.hooks("demo/1"), 1));
    assertEquals("demo/1", sim.leader());

    sim.removeUnit("demo/1");
    assertEquals(
        hooks("cluster-relation-departed", "db-relation-departed", "db-relation-broken", "stop", "remove"),
        tail(charm.hooks("demo/1"), 5));
    assertEquals("demo/1", charm.env("demo/1", "hooks/cluster-relation-departed").get("JUJU_DEPARTING_UNIT"));
    assertEquals(hooks("cluster-relation-departed", "leader-elected"), tail(charm.hooks("demo/0"), 2));
    assertEquals("demo/1", charm.env("demo/0", "hooks/cluster-relation-departed").get("JUJU_DEPARTING_UNIT"));
    assertEquals(List.of("demo/0"), sim.units());
    assertEquals("demo/0", sim.leader());
    assertTrue(sim.hasRelation(id));
  }

  @Test
  void configValidationAndChanges() {
    sim.deploy(2);
    SimException e = assertThrows(SimException.class, () -> sim.config(Map.of("port", "abc"), List.of()));
    assertEquals("option \"port\" expected int, got \"abc\"", e.getMessage());
    e = assertThrows(SimException.class, () -> sim.config(Map.of("nope", 1), List.of()));
    assertEquals("unknown option \"nope\"", e.getMessage());
    assertThrows(SimException.class, () -> sim.config(Map.of("debug", 3), List.of()));
    charm.cmds("hooks/config-changed", "config-get --format=json");
    sim.config(Map.of("port", "9000", "token", "t", "debug", true), List.of("name"));
    ok(charm.out("demo/1", "hooks/config-changed", 0),
        "{\"debug\":true,\"empty\":\"\",\"name\":\"Wiki\",\"port\":9000,\"ratio\":1.5,\"token\":\"t\"}\n");
    assertEquals(hooks("config-changed"), tail(charm.hooks("demo/0"), 1));
    sim.config(Map.of(), List.of("token", "port"));
    assertNull(sim.effectiveConfig().get("token"));
    assertEquals(8080L, ((Number) sim.effectiveConfig().get("port")).longValue());
  }

  @Test
  void refreshRunsUpgradeCharmThenConfigChangedWithTheNewFilesAndKeepsTheModel() throws Exception {
    sim.deploy(2);
    int db = sim.integrate("db", "mysql", List.of("mysql/0"), Map.of(), Map.of());
    charm.cmds("hooks/update-status", "leader-set k=v", "state-set s=1", "open-port 8080");
    sim.hook("demo/0", "update-status");
    sim.config(Map.of("ratio", 2.5, "name", "kept"), List.of());
    Path v2 = FakeCharm.create(tmp.resolve("v2")).dir;
    Files.writeString(v2.resolve("config.yaml"), FakeCharm.CONFIG.replace("  ratio:", "  other:"));
    charm.cmds("hooks/upgrade-charm", "config-get --format=json", "leader-get k", "state-get s", "opened-ports");

    List<HookResult> rs = sim.refresh(v2);
    assertEquals(List.of("demo/0 upgrade-charm", "demo/0 config-changed", "demo/1 upgrade-charm", "demo/1 config-changed"),
        rs.stream().map(r -> r.unit() + " " + r.hook()).toList());
    assertEquals(hooks("upgrade-charm", "config-changed"), tail(charm.hooks("demo/1"), 2));
    assertEquals(v2.toAbsolutePath().toString(), charm.env("demo/0", "hooks/upgrade-charm").get("JUJU_CHARM_DIR"));
    ok(charm.out("demo/0", "hooks/upgrade-charm", 0),
        "{\"debug\":false,\"empty\":\"\",\"name\":\"kept\",\"other\":1.5,\"port\":8080}\n");
    ok(charm.out("demo/0", "hooks/upgrade-charm", 1), "v\n");
    ok(charm.out("demo/0", "hooks/upgrade-charm", 2), "1\n");
    ok(charm.out("demo/0", "hooks/upgrade-charm", 3), "8080/tcp\n");
    assertEquals("demo/0", sim.leader());
    assertTrue(sim.hasRelation(db));

    Path renamed = FakeCharm.create(tmp.resolve("v3")).dir;
    Files.writeString(renamed.resolve("metadata.yaml"), FakeCharm.METADATA.replace("name: demo", "name: other"));
    assertThrows(SimException.class, () -> sim.refresh(renamed));
    Path noDb = FakeCharm.create(tmp.resolve("v4")).dir;
    Files.writeString(noDb.resolve("metadata.yaml"), FakeCharm.METADATA.replace("  db:\n    interface: mysql\n", "  other:\n    interface: mysql\n"));
    SimException e = assertThrows(SimException.class, () -> sim.refresh(noDb));
    assertTrue(e.getMessage().contains("\"db\""), e.getMessage());
  }

  @Test
  void removeApplication() {
    sim.deploy(2);
    sim.integrate("db", "mysql", List.of("mysql/0"), Map.of(), Map.of());
    sim.remove();
    assertEquals(
        hooks("cluster-relation-departed", "db-relation-departed", "db-relation-broken", "stop", "remove"),
        tail(charm.hooks("demo/0"), 5));
    assertEquals(List.of(), sim.units());
  }

  @Test
  void legacyHooksAndMissingHooksAreSkipped() throws Exception {
    Path dir = tmp.resolve("legacy");
    Files.createDirectories(dir.resolve("hooks"));
    Files.writeString(dir.resolve("metadata.yaml"), "name: legacy\nsummary: s\ndescription: d\n");
    Path install = dir.resolve("hooks/install");
    Files.writeString(install, "#!/bin/bash\nstatus-set active -- \"$JUJU_DISPATCH_PATH\"\n");
    Files.setPosixFilePermissions(install, Charm.perms(0755));
    Sim legacy = Sim.create(tmp.resolve("work2"), dir, SimOptions.defaults());
    List<HookResult> rs = legacy.deploy(1);
    assertEquals(4, rs.size());
    assertTrue(rs.get(0).ran());
    assertTrue(rs.stream().skip(1).noneMatch(HookResult::ran));
    assertEquals("active", legacy.unitStatus("legacy/0").status);
    assertEquals("hooks/install", legacy.unitStatus("legacy/0").message);
    ActionOutcome o = legacy.model().lastAction;
    assertNull(o);
  }

  @Test
  void noOpHookIsFast() {
    sim.deploy(1);
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      best = Math.min(best, sim.hook("demo/0", "update-status").millis());
    }
    System.out.println("no-op hook through the sim: " + best + " ms");
    assertTrue(best < 1000, "a no-op hook took " + best + " ms");
  }

  @Test
  void relationHookDefaults() {
    sim.deploy(1);
    charm.cmds("hooks/db-relation-changed",
        "relation-get --format=json",
        "relation-get --app --format=json",
        "relation-ids --format=json",
        "relation-list",
        "juju-log -- -- not a flag",
        "relation-set r=1",
        "relation-get r $JUJU_UNIT_NAME");
    int id = sim.integrate("db", "mysql", List.of("mysql/0"), Map.of("database", "app"), Map.of("mysql/0", Map.of("user", "u0")));
    ok(charm.out("demo/0", "hooks/db-relation-changed", 0),
        "{\"egress-subnets\":\"10.1.1.1/32\",\"ingress-address\":\"10.1.1.1\",\"private-address\":\"10.1.1.1\",\"user\":\"u0\"}\n");
    ok(charm.out("demo/0", "hooks/db-relation-changed", 1), "{\"database\":\"app\"}\n");
    ok(charm.out("demo/0", "hooks/db-relation-changed", 2), "[\"db:" + id + "\"]\n");
    ok(charm.out("demo/0", "hooks/db-relation-changed", 3), "mysql/0\n");
    ok(charm.out("demo/0", "hooks/db-relation-changed", 6), "1\n");
    List<Model.LogLine> logs = sim.logs("demo/0");
    assertEquals("db:" + id + ": -- not a flag", logs.get(logs.size() - 1).message);
    assertEquals("1", sim.localUnitData(id, "demo/0").get("r"));
    // the remote app's data changes: -changed with an empty JUJU_REMOTE_UNIT
    sim.setRemoteAppData(id, Map.of("database", "other"));
    assertEquals("", charm.env("demo/0", "hooks/db-relation-changed").get("JUJU_REMOTE_UNIT"));
  }

  @Test
  void leaderSetSticksAndNotifiesEvenIfTheHookFails() {
    sim.deploy(2);
    charm.cmds("hooks/update-status", "leader-set k=v");
    charm.exit("hooks/update-status", 1);
    sim.hook("demo/0", "update-status");
    assertEquals(Map.of("k", "v"), sim.leaderSettings());
    assertEquals(hooks("leader-settings-changed"), tail(charm.hooks("demo/1"), 1));
  }

  @Test
  void hookTimeoutKillsTheProcess() throws Exception {
    Sim slow = Sim.create(tmp.resolve("slow"), charm.dir, charm.options().hookTimeout(java.time.Duration.ofMillis(300)));
    charm.cmds("hooks/install", "sleep 30");
    long start = System.nanoTime();
    List<HookResult> rs = slow.deploy(1);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 10_000, "took " + ms + " ms");
    assertEquals(124, rs.get(0).exitCode());
    assertTrue(rs.get(0).stderr().contains("timed out"), rs.get(0).stderr());
    assertTrue(slow.inError("demo/0"));
    assertEquals(1, rs.size(), "later hooks are held while the unit is in error");
  }

  static <T> List<T> tail(List<T> list, int n) {
    return list.subList(Math.max(0, list.size() - n), list.size());
  }
}
