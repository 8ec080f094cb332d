package jujusim;

import static jujusim.Probe.fails;
import static jujusim.Probe.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins the fake tools' output formats, exit codes and ERROR lines through the real script. */
class HookToolsTest {
  @TempDir Path tmp;
  FakeCharm charm;
  Sim sim;
  int db;

  @BeforeEach
  void setUp() {
    charm = FakeCharm.create(tmp);
    sim = Sim.create(tmp.resolve("work"), charm.dir, charm.options());
    sim.deploy(2);
    db =
        sim.integrate(
            "db", "mysql", List.of("mysql/0", "mysql/1"), Map.of("database", "app"),
            Map.of("mysql/0", Map.of("user", "u0")));
  }

  @Test
  void configGet() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "config-get --format=json",
            "config-get port",
            "config-get debug",
            "config-get token --format=json",
            "config-get token",
            "config-get --all --format=json",
            "config-get name --all",
            "config-get a b",
            "config-get --format xml",
            "config-get --foo",
            "config-get -h",
            "config-get ratio --format=yaml",
            "config-get -o out.json --format=json port",
            "config-get name");
    ok(o.get(0), "{\"debug\":false,\"empty\":\"\",\"name\":\"Wiki\",\"port\":8080,\"ratio\":1.5}\n");
    ok(o.get(1), "8080\n");
    ok(o.get(2), "False\n");
    ok(o.get(3), "null\n");
    ok(o.get(4), "");
    ok(o.get(5), "{\"debug\":false,\"empty\":\"\",\"name\":\"Wiki\",\"port\":8080,\"ratio\":1.5,\"token\":null}\n");
    fails(o.get(6), 2, "ERROR cannot use argument --all together with key \"name\"\n");
    fails(o.get(7), 2, "ERROR unrecognized args: [\"b\"]\n");
    fails(o.get(8), 2, "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n");
    fails(o.get(9), 2, "ERROR option provided but not defined: --foo\n");
    assertEquals(0, o.get(10).rc());
    assertTrue(o.get(10).out().startsWith("Usage: config-get"), o.get(10).out());
    ok(o.get(11), "1.5\n");
    ok(o.get(12), "");
    ok(o.get(13), "Wiki\n");
  }

  @Test
  void relationListSortsNamesAsStringsLikeJuju() {
    int big = sim.integrate("db", "pg", List.of("pg/2", "pg/10", "pg/1"), Map.of(), Map.of());
    List<FakeCharm.Out> o = Probe.run(sim, charm, "demo/0", "relation-list -r db:" + big + " --format=json");
    ok(o.get(0), "[\"pg/1\",\"pg/10\",\"pg/2\"]\n");
  }

  @Test
  void outputFileIsRelativeToTheCharmDir() throws Exception {
    Probe.run(sim, charm, "demo/0", "config-get -o " + tmp.resolve("o.json") + " --format=json port");
    assertEquals("8080\n", Files.readString(tmp.resolve("o.json")));
  }

  @Test
  void relationIdsListAndGet() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "relation-ids db --format=json",
            "relation-ids nope --format=json",
            "relation-ids",
            "relation-list -r db:" + db + " --format=json",
            "relation-list -r " + db + " --app",
            "relation-list -r db:99",
            "relation-list --relation=one",
            "relation-list",
            "relation-list -r cluster:0 --format=json",
            "relation-get -r db:" + db + " - mysql/0 --format=json",
            "relation-get -r db:" + db + " user mysql/0 --format=json",
            "relation-get -r db:" + db + " missing mysql/0 --format=json",
            "relation-get -r db:" + db + " missing mysql/0",
            "relation-get -r db:" + db + " - mysql",
            "relation-get -r db:" + db + " - unit//0",
            "relation-get -r db:" + db + " --app - mysql --format=json",
            "relation-get -r db:" + db,
            "relation-get --format=json -r db:" + db + " user mysql/0",
            "relation-ids nope",
            "relation-list -r" + db + " --app --format=json",
            "relation-get -r db:" + db + " - nobody/3");
    ok(o.get(0), "[\"db:" + db + "\"]\n");
    ok(o.get(1), "[]\n");
    fails(o.get(2), 2, "ERROR no endpoint name specified\n");
    ok(o.get(3), "[\"mysql/0\",\"mysql/1\"]\n");
    ok(o.get(4), "mysql\n");
    fails(o.get(5), 2, "ERROR invalid value \"db:99\" for option -r: relation not found\n");
    fails(o.get(6), 2, "ERROR invalid value \"one\" for option --relation: invalid relation id\n");
    fails(o.get(7), 2, "ERROR no relation id specified\n");
    ok(o.get(8), "[\"demo/1\"]\n");
    ok(o.get(9), "{\"egress-subnets\":\"10.1.1.1/32\",\"ingress-address\":\"10.1.1.1\",\"private-address\":\"10.1.1.1\",\"user\":\"u0\"}\n");
    ok(o.get(10), "\"u0\"\n");
    ok(o.get(11), "null\n");
    ok(o.get(12), "");
    fails(o.get(13), 2, "ERROR expected unit name, got application name \"mysql\"\n");
    fails(o.get(14), 2, "ERROR invalid unit name \"unit//0\"\n");
    ok(o.get(15), "{\"database\":\"app\"}\n");
    fails(o.get(16), 2, "ERROR no unit or application specified\n");
    ok(o.get(17), "\"u0\"\n");
    ok(o.get(18), "");
    ok(o.get(19), "\"mysql\"\n");
    assertEquals(1, o.get(20).rc());
    assertTrue(o.get(20).err().startsWith("ERROR cannot read settings for unit \"nobody/3\""), o.get(20).err());
  }

  @Test
  void relationIdsSortAsStrings() {
    for (int i = 0; i < 9; i++) {
      sim.integrate("db", "app" + "abcdefghi".charAt(i), List.of(), Map.of(), Map.of());
    }
    List<FakeCharm.Out> o = Probe.run(sim, charm, "demo/0", "relation-ids db --format=json", "relation-ids db");
    ok(o.get(0), "[\"db:1\",\"db:10\",\"db:2\",\"db:3\",\"db:4\",\"db:5\",\"db:6\",\"db:7\",\"db:8\",\"db:9\"]\n");
    ok(o.get(1), "db:1\ndb:10\ndb:2\ndb:3\ndb:4\ndb:5\ndb:6\ndb:7\ndb:8\ndb:9\n");
  }

  @Test
  void relationSetStagesAndReadsYourWrites() {
    String r = "-r db:" + db + " ";
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "relation-set " + r + "haha",
            "relation-set " + r + "=haha",
            "relation-set " + r + "k=1 k=2",
            "relation-set " + r + "a=1 b=x=y gone=soon",
            "echo '{\"c\":\"3\",\"d\":\"4\"}' | relation-set " + r + "--file - d=override gone=",
            "relation-get " + r + "- demo/0 --format=json",
            "relation-set " + r + "--app x=1",
            "relation-get " + r + "--app - demo --format=json",
            "echo haha | relation-set " + r + "--file -",
            "relation-set " + r + "--format json q=1",
            "relation-get " + r + "a demo/0",
            "relation-set " + r,
            "relation-set --app=True " + r + "y=2",
            "relation-set --app=maybe " + r + "y=2");
    fails(o.get(0), 2, "ERROR expected \"key=value\", got \"haha\"\n");
    fails(o.get(1), 2, "ERROR expected \"key=value\", got \"=haha\"\n");
    fails(o.get(2), 2, "ERROR key \"k\" specified more than once\n");
    ok(o.get(3), "");
    ok(o.get(4), "");
    ok(o.get(5), "{\"a\":\"1\",\"b\":\"x=y\",\"c\":\"3\",\"d\":\"override\",\"egress-subnets\":\"127.0.0.1/32\",\"ingress-address\":\"127.0.0.1\",\"private-address\":\"127.0.0.1\"}\n");
    ok(o.get(6), "");
    ok(o.get(7), "{\"x\":\"1\"}\n");
    assertEquals(1, o.get(8).rc());
    assertTrue(o.get(8).err().startsWith("ERROR yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str"), o.get(8).err());
    assertEquals(new FakeCharm.Out(0, "", "--format flag deprecated for command \"relation-set\""), o.get(9));
    ok(o.get(10), "1\n");
    ok(o.get(11), "");
    ok(o.get(12), "");
    assertEquals(2, o.get(13).rc());
    assertTrue(o.get(13).err().startsWith("ERROR invalid value \"maybe\" for option --app"), o.get(13).err());
    // committed after exit 0
    assertEquals("override", sim.localUnitData(db, "demo/0").get("d"));
    assertEquals("x=y", sim.localUnitData(db, "demo/0").get("b"));
    assertEquals("1", sim.localUnitData(db, "demo/0").get("q"));
    assertTrue(!sim.localUnitData(db, "demo/0").containsKey("gone"));
    assertEquals(Map.of("x", "1", "y", "2"), sim.localAppData(db));
  }

  @Test
  void nonLeaderRules() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/1",
            "relation-set -r db:" + db + " --app x=2",
            "leader-set a=b",
            "status-set --application active",
            "status-get --application",
            "relation-get -r db:" + db + " --app - demo",
            "is-leader --format=json",
            "is-leader",
            "relation-get -r cluster:0 --app - demo --format=json");
    fails(o.get(0), 1, "ERROR cannot write relation settings\n");
    fails(o.get(1), 1, "ERROR cannot write leadership settings: cannot write settings: not the leader\n");
    fails(o.get(2), 1, "ERROR this unit is not the leader\n");
    fails(o.get(3), 1, "ERROR finding application status: this unit is not the leader\n");
    fails(o.get(4), 1, "ERROR permission denied\n");
    ok(o.get(5), "false\n");
    ok(o.get(6), "False\n");
    ok(o.get(7), "{}\n");
  }

  @Test
  void statusLeaderVersionAndLog() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "status-set error",
            "status-set",
            "status-set active a b",
            "status-set --application=True blocked -- 'need db'",
            "status-set active -- Ready",
            "status-get",
            "status-get --format=json",
            "status-get --include-data --format=json",
            "status-get --application=true --include-data --format=json",
            "application-version-set",
            "application-version-set -- 2.8.3",
            "juju-log",
            "juju-log --log-level WARN -- hello world",
            "juju-log -l bogus hi",
            "leader-set a=1 b=2",
            "leader-get --format=json",
            "leader-get a",
            "leader-get a=b",
            "leader-get zz --format=json",
            "is-leader --format=json",
            "leader-set b=",
            "juju-log --debug -- dbg");
    fails(o.get(0), 2, "ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n");
    fails(o.get(1), 2, "ERROR invalid args, require <status> [message]\n");
    fails(o.get(2), 2, "ERROR unrecognized args: [\"b\"]\n");
    ok(o.get(3), "");
    ok(o.get(4), "");
    ok(o.get(5), "active\n");
    ok(o.get(6), "{\"status\":\"active\"}\n");
    ok(o.get(7), "{\"message\":\"Ready\",\"status\":\"active\",\"status-data\":{}}\n");
    ok(o.get(8),
        "{\"application-status\":{\"message\":\"need db\",\"status\":\"blocked\",\"status-data\":{},\"units\":{"
            + "\"demo/0\":{\"message\":\"Ready\",\"status\":\"active\",\"status-data\":{}},"
            + "\"demo/1\":{\"message\":\"\",\"status\":\"unknown\",\"status-data\":{}}}}}\n");
    fails(o.get(9), 2, "ERROR no version specified\n");
    ok(o.get(10), "");
    fails(o.get(11), 2, "ERROR no message specified\n");
    ok(o.get(12), "");
    ok(o.get(13), "");
    ok(o.get(14), "");
    ok(o.get(15), "{\"a\":\"1\",\"b\":\"2\"}\n");
    ok(o.get(16), "1\n");
    fails(o.get(17), 2, "ERROR invalid key \"a=b\"\n");
    ok(o.get(18), "null\n");
    ok(o.get(19), "true\n");
    assertEquals("active", sim.unitStatus("demo/0").status);
    assertEquals("Ready", sim.unitStatus("demo/0").message);
    assertEquals("blocked", sim.appStatus().status);
    assertEquals("2.8.3", sim.workloadVersion("demo/0"));
    assertEquals(Map.of("a", "1"), sim.leaderSettings());
    List<String> logs = sim.logs("demo/0").stream().map(Object::toString).toList();
    assertTrue(logs.contains("WARNING hello world"), logs.toString());
    assertTrue(logs.contains("INFO hi"), logs.toString());
    assertTrue(logs.contains("DEBUG dbg"), logs.toString());
    // leader-set changes reach the non-leader after the hook
    List<String> hooks1 = sim.hookNames("demo/1");
    assertEquals("leader-settings-changed", hooks1.get(hooks1.size() - 1));
  }

  @Test
  void ports() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "open-port",
            "open-port 80/sctp",
            "open-port 90-80",
            "open-port 0-70000",
            "open-port 80/icmp",
            "open-port x",
            "open-port 8000-8999/UDP",
            "open-port 80",
            "open-port icmp",
            "open-port --endpoints website,db 443",
            "opened-ports --format=json",
            "opened-ports --endpoints --format=json",
            "close-port 80",
            "opened-ports",
            "open-port --format json 22");
    fails(o.get(0), 2, "ERROR no port or range specified\n");
    fails(o.get(1), 2, "ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n");
    fails(o.get(2), 2, "ERROR invalid port range 90-80/tcp\n");
    fails(o.get(3), 2, "ERROR port range bounds must be between 0 and 65535, got 0-70000\n");
    fails(o.get(4), 2, "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n");
    fails(o.get(5), 2, "ERROR invalid port \"x\"\n");
    for (int i = 6; i < 10; i++) {
      ok(o.get(i), "");
    }
    ok(o.get(10), "[\"icmp\",\"80/tcp\",\"443/tcp\",\"8000-8999/udp\"]\n");
    ok(o.get(11), "[\"icmp (*)\",\"80/tcp (*)\",\"443/tcp (db, website)\",\"8000-8999/udp (*)\"]\n");
    ok(o.get(12), "");
    ok(o.get(13), "icmp\n443/tcp\n8000-8999/udp\n");
    assertEquals(new FakeCharm.Out(0, "", "--format flag deprecated for command \"open-port\""), o.get(14));
    assertEquals(List.of("icmp", "22/tcp", "443/tcp", "8000-8999/udp"), sim.openedPorts("demo/0"));
  }

  @Test
  void networkAndUnitGet() {
    sim.setAddress("demo/1", "10.0.0.7");
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/1",
            "network-get --format=json db",
            "network-get db --ingress-address --format=json",
            "network-get public --egress-subnets --format=json",
            "network-get db --bind-address --ingress-address --format=json",
            "network-get",
            "network-get foo",
            "unit-get private-address",
            "unit-get",
            "unit-get foo",
            "network-get -r db:99 db",
            "network-get cluster --ingress-address",
            "unit-get public-address --format=json");
    ok(o.get(0),
        "{\"bind-addresses\":[{\"mac-address\":\"00:00:00:00:00:00\",\"interface-name\":\"eth0\",\"addresses\":"
            + "[{\"hostname\":\"\",\"value\":\"10.0.0.7\",\"cidr\":\"10.0.0.0/24\"}]}],"
            + "\"egress-subnets\":[\"10.0.0.7/32\"],\"ingress-addresses\":[\"10.0.0.7\"]}\n");
    ok(o.get(1), "\"10.0.0.7\"\n");
    ok(o.get(2), "[\"10.0.0.7/32\"]\n");
    ok(o.get(3), "{\"bind-address\":\"10.0.0.7\",\"ingress-address\":\"10.0.0.7\"}\n");
    fails(o.get(4), 2, "ERROR no arguments specified\n");
    fails(o.get(5), 1, "ERROR no network config found for binding \"foo\"\n");
    ok(o.get(6), "10.0.0.7\n");
    fails(o.get(7), 2, "ERROR no setting specified\n");
    fails(o.get(8), 2, "ERROR unknown setting \"foo\"\n");
    fails(o.get(9), 2, "ERROR invalid value \"db:99\" for option -r: relation not found\n");
    ok(o.get(10), "10.0.0.7\n");
    ok(o.get(11), "\"10.0.0.7\"\n");
  }

  @Test
  void unitState() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "state-get --format=json",
            "state-get",
            "state-set a=1 b=",
            "echo '{\"c\":\"x\"}' | state-set --file -",
            "state-get --format=json",
            "state-delete a",
            "state-get a --format=json",
            "state-get a --strict",
            "state-get c",
            "state-set k=1 k=2",
            "state-delete");
    ok(o.get(0), "null\n");
    ok(o.get(1), "{}\n");
    ok(o.get(2), "");
    ok(o.get(3), "");
    ok(o.get(4), "{\"a\":\"1\",\"b\":\"\",\"c\":\"x\"}\n");
    ok(o.get(5), "");
    ok(o.get(6), "\"\"\n");
    fails(o.get(7), 1, "ERROR \"a\" not found\n");
    ok(o.get(8), "x\n");
    fails(o.get(9), 2, "ERROR key \"k\" specified more than once\n");
    ok(o.get(10), "");
    assertEquals(Map.of("b", "", "c", "x"), sim.unitState("demo/0"));
  }

  @Test
  void actionToolsOutsideAnAction() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "action-get", "action-set a=1", "action-fail", "action-log hi", "action-set result");
    fails(o.get(0), 1, "ERROR not running an action\n");
    fails(o.get(1), 1, "ERROR not running an action\n");
    fails(o.get(2), 1, "ERROR not running an action\n");
    fails(o.get(3), 1, "ERROR not running an action\n");
    fails(o.get(4), 2, "ERROR argument \"result\" must be of the form key...=value\n");
  }

  @Test
  void resourceGet() throws Exception {
    List<FakeCharm.Out> o = Probe.run(sim, charm, "demo/0", "resource-get blob", "resource-get");
    assertEquals(1, o.get(0).rc());
    assertTrue(o.get(0).err().startsWith("ERROR could not download resource"), o.get(0).err());
    fails(o.get(1), 2, "ERROR missing required resource name\n");
    Path blob = Files.writeString(tmp.resolve("blob.bin"), "data");
    sim.attachResource("blob", blob);
    o = Probe.run(sim, charm, "demo/0", "cat \"$(resource-get blob)\"");
    ok(o.get(0), "data");
  }

  @Test
  void clientChecksContextAndEnvironment() {
    List<FakeCharm.Out> o =
        Probe.run(sim, charm, "demo/0",
            "JUJU_CONTEXT_ID=bogus is-leader",
            "JUJU_CONTEXT_ID= is-leader",
            "JUJU_AGENT_SOCKET_ADDRESS= is-leader",
            "is-leader");
    assertEquals(1, o.get(0).rc());
    assertTrue(o.get(0).err().matches("ERROR bad request: expected context id \"demo/0-update-status-[0-9a-f]{32}\", got \"bogus\"\n"), o.get(0).err());
    assertEquals("", o.get(0).out());
    fails(o.get(1), 1, "ERROR JUJU_CONTEXT_ID not set\n");
    fails(o.get(2), 1, "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n");
    ok(o.get(3), "True\n");
  }
}
