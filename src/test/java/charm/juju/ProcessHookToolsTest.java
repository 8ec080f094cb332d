package charm.juju;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.juju.HookTools.LogLevel;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

// SEPARATE_THREAD: a deadlocked pipe read cannot be interrupted, so the timeout must not wait
// for the test thread to notice; a deadlock then fails the test instead of hanging the build.
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessHookToolsTest {

  @TempDir Path tmp;
  FakeTools fake;
  ProcessHookTools tools;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeTools(tmp);
    tools = new ProcessHookTools(fake.bin);
  }

  // ------------------------------------------------------------------------------- reads

  @Test
  void configGetParsesTypedValues() {
    fake.stdout(
        "config-get", "{\"debug\":false,\"name\":\"Wiki\",\"port\":8080,\"ratio\":1.5}\n");
    Map<String, Object> config = tools.configGet();
    assertEquals(Map.of("debug", false, "name", "Wiki", "port", 8080, "ratio", 1.5), config);
    assertEquals(List.of("--format=json"), fake.onlyArgv("config-get"));
    assertEquals("", fake.stdin("config-get", 1), "stdin is closed without data");
  }

  @Test
  void relationIds() {
    fake.stdout("relation-ids", "[\"website:10\",\"website:3\"]\n");
    assertEquals(List.of("website:10", "website:3"), tools.relationIds("website"));
    assertEquals(List.of("website", "--format=json"), fake.onlyArgv("relation-ids"));
  }

  @Test
  void relationIdsAndRelationListRunOncePerEndpointAndRelation() {
    fake.stdout("relation-ids", "[\"peer:1\"]\n").stdout("relation-list", "[\"app/1\"]\n");
    assertEquals(List.of("peer:1"), tools.relationIds("peer"));
    assertEquals(List.of("peer:1"), tools.relationIds("peer"));
    assertEquals(List.of("app/1"), tools.relationList("peer:1"));
    assertEquals(List.of("app/1"), tools.relationList("peer:1"));
    assertEquals(1, fake.calls("relation-ids"));
    assertEquals(1, fake.calls("relation-list"));
    tools.relationIds("website");
    tools.relationList("peer:2");
    assertEquals(2, fake.calls("relation-ids"));
    assertEquals(2, fake.calls("relation-list"));
  }

  @Test
  void configGetAndTheIngressAddressRunOnce() {
    fake.stdout("config-get", "{\"a\":1}\n").stdout("network-get", "\"10.0.0.7\"\n");
    assertEquals(Map.of("a", 1), tools.configGet());
    assertEquals(Map.of("a", 1), tools.configGet());
    assertEquals("10.0.0.7", tools.ingressAddress("website"));
    assertEquals("10.0.0.7", tools.ingressAddress("website"));
    assertEquals(1, fake.calls("config-get"));
    assertEquals(1, fake.calls("network-get"));
    tools.ingressAddress("db");
    assertEquals(2, fake.calls("network-get"));
  }

  @Test
  void relationIdsEmpty() {
    fake.stdout("relation-ids", "[]\n");
    assertEquals(List.of(), tools.relationIds("website"));
  }

  @Test
  void relationList() {
    fake.stdout("relation-list", "[\"haproxy/0\",\"haproxy/1\"]\n");
    assertEquals(List.of("haproxy/0", "haproxy/1"), tools.relationList("website:3"));
    assertEquals(List.of("-r", "website:3", "--format=json"), fake.onlyArgv("relation-list"));
  }

  @Test
  void relationRemoteApp() {
    fake.stdout("relation-list", "\"haproxy\"\n");
    assertEquals("haproxy", tools.relationRemoteApp("website:3"));
    assertEquals(
        List.of("-r", "website:3", "--app", "--format=json"), fake.onlyArgv("relation-list"));
  }

  @Test
  void relationGetUnitBagKeepsStrings() {
    fake.stdout(
        "relation-get",
        "{\"egress-subnets\":\"10.0.0.7/32\",\"multi\":\"a\\nb \\u003cc\\u003e \\u00e9\","
            + "\"port\":\"8080\"}\n");
    Map<String, String> bag = tools.relationGet("website:3", "haproxy/0");
    assertEquals(
        Map.of("egress-subnets", "10.0.0.7/32", "multi", "a\nb <c> é", "port", "8080"), bag);
    assertEquals(
        List.of("--format=json", "-r", "website:3", "-", "haproxy/0"),
        fake.onlyArgv("relation-get"));
  }

  @Test
  void relationGetAppBag() {
    fake.stdout("relation-get", "{}\n");
    assertEquals(Map.of(), tools.relationGetApp("website:3", "haproxy"));
    assertEquals(
        List.of("--format=json", "-r", "website:3", "--app", "-", "haproxy"),
        fake.onlyArgv("relation-get"));
  }

  @Test
  void leaderGet() {
    fake.stdout("leader-get", "{\"http-secret\":\"abc\"}\n");
    assertEquals(Map.of("http-secret", "abc"), tools.leaderGet());
    assertEquals(List.of("--format=json"), fake.onlyArgv("leader-get"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void isLeader(boolean leader) {
    fake.stdout("is-leader", leader + "\n");
    assertEquals(leader, tools.isLeader());
    assertEquals(List.of("--format=json"), fake.onlyArgv("is-leader"));
  }

  @Test
  void isLeaderRejectsNonBoolean() {
    fake.stdout("is-leader", "\"True\"\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, tools::isLeader);
    assertTrue(e.getMessage().contains("is-leader"), e.getMessage());
  }

  @Test
  void openedPorts() {
    fake.stdout("opened-ports", "[\"icmp\",\"5000/tcp\",\"8000-8999/udp\"]\n");
    assertEquals(List.of("icmp", "5000/tcp", "8000-8999/udp"), tools.openedPorts());
    assertEquals(List.of("--format=json"), fake.onlyArgv("opened-ports"));
  }

  @Test
  void networkGetFullStructure() {
    fake.stdout(
        "network-get",
        "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:aa:bb:cc\",\"interface-name\":\"eth0\","
            + "\"addresses\":[{\"hostname\":\"\",\"value\":\"10.0.0.7\","
            + "\"cidr\":\"10.0.0.0/24\"}]}],"
            + "\"egress-subnets\":[\"10.0.0.7/32\"],\"ingress-addresses\":[\"10.0.0.7\"]}\n");
    Map<String, Object> net = tools.networkGet("website");
    assertEquals(List.of("10.0.0.7"), net.get("ingress-addresses"));
    assertEquals(List.of("10.0.0.7/32"), net.get("egress-subnets"));
    Map<?, ?> bind = (Map<?, ?>) ((List<?>) net.get("bind-addresses")).get(0);
    assertEquals("eth0", bind.get("interface-name"));
    Map<?, ?> address = (Map<?, ?>) ((List<?>) bind.get("addresses")).get(0);
    assertEquals("10.0.0.0/24", address.get("cidr"));
    assertEquals(List.of("--format=json", "website"), fake.onlyArgv("network-get"));
  }

  @Test
  void ingressAddress() {
    fake.stdout("network-get", "\"10.0.0.7\"\n");
    assertEquals("10.0.0.7", tools.ingressAddress("website"));
    assertEquals(
        List.of("--format=json", "website", "--ingress-address"), fake.onlyArgv("network-get"));
  }

  @Test
  void unitGet() {
    fake.stdout("unit-get", "\"10.0.0.7\"\n");
    assertEquals("10.0.0.7", tools.unitGet("private-address"));
    assertEquals(List.of("--format=json", "private-address"), fake.onlyArgv("unit-get"));
  }

  @Test
  void actionGetKeepsTypesAndNesting() {
    fake.stdout(
        "action-get",
        "{\"compression\":{\"kind\":\"gzip\",\"level\":9},\"dry-run\":true,"
            + "\"filename\":\"out.tgz\","
            + "\"tags\":[\"a\",\"b\"]}\n");
    Map<String, Object> params = tools.actionGet();
    assertEquals(Map.of("kind", "gzip", "level", 9), params.get("compression"));
    assertEquals(true, params.get("dry-run"));
    assertEquals("out.tgz", params.get("filename"));
    assertEquals(List.of("a", "b"), params.get("tags"));
    assertEquals(List.of("--format=json"), fake.onlyArgv("action-get"));
  }

  @Test
  void stateGetNullIsEmpty() {
    fake.stdout("state-get", "null\n");
    assertEquals(Map.of(), tools.stateGet());
    assertEquals(List.of("--format=json"), fake.onlyArgv("state-get"));
  }

  @Test
  void stateGetMap() {
    fake.stdout("state-get", "{\"hash\":\"abc\",\"n\":\"1\"}\n");
    assertEquals(Map.of("hash", "abc", "n", "1"), tools.stateGet());
  }

  @Test
  void resourceGetReturnsPath() {
    fake.stdout("resource-get", "/var/lib/juju/agents/unit-r-0/resources/registry/registry.tar\n");
    assertEquals(
        Path.of("/var/lib/juju/agents/unit-r-0/resources/registry/registry.tar"),
        tools.resourceGet("registry"));
    assertEquals(List.of("registry"), fake.onlyArgv("resource-get"));
  }

  @Test
  void outputThatIsNotJsonIsReportedWithoutItsContent() {
    fake.stdout("config-get", "password: hunter2-in-output\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, tools::configGet);
    assertTrue(e.getMessage().startsWith("config-get "), e.getMessage());
    assertFalse(stackTrace(e).contains("hunter2"), stackTrace(e));
  }

  @Test
  void trailingGarbageAfterJsonIsRejected() {
    fake.stdout("relation-get", "{\"a\":\"b\"} {\"c\":\"d\"}\n");
    assertThrows(IllegalStateException.class, () -> tools.relationGet("website:3", "haproxy/0"));
  }

  @Test
  void wrongJsonShapeIsRejected() {
    fake.stdout("relation-ids", "{\"website:3\":true}\n");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> tools.relationIds("website"));
    assertTrue(e.getMessage().contains("object"), e.getMessage());
  }

  // ------------------------------------------------------------------------------ writes

  @Test
  void relationSetSendsCompactSortedJsonOnStdin() throws Exception {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("port", "5000");
    data.put("hostname", "10.0.0.7");
    data.put("note", "line1\nline2 \"quoted\" é");
    tools.relationSet("website:3", data);
    assertEquals(List.of("-r", "website:3", "--file", "-"), fake.onlyArgv("relation-set"));
    String stdin = fake.stdin("relation-set", 1);
    assertEquals(
        "{\"hostname\":\"10.0.0.7\","
            + "\"note\":\"line1\\nline2 \\\"quoted\\\" é\",\"port\":\"5000\"}",
        stdin);
    assertEquals(data, new ObjectMapper().readValue(stdin, Map.class));
  }

  @Test
  void fileInputIsJsonThatJujusYamlReaderReadsBackUnchanged() throws Exception {
    // Juju reads relation-set/state-set --file as YAML 1.1 (go-yaml): it refuses surrogate-pair
    // escapes and raw DEL/C1 controls, and folds a raw NEL (and changes text around raw LS/PS).
    Map<String, String> data = new LinkedHashMap<>();
    data.put("smile", "grin \uD83D\uDE00 and \uD834\uDD1E");
    data.put("del", "a\u007fb");
    data.put("c1", "\u0080\u0085\u009f");
    data.put("breaks", "x \u2028 y \u2029 z");
    data.put("odd", "\uFEFF\uFFFE\uFFFF\ttab\u0000nul\u001b");
    data.put("key \uD83D\uDE00", "plain é ü ✓");
    for (boolean relation : new boolean[] {true, false}) {
      if (relation) {
        tools.relationSet("website:3", data);
      } else {
        tools.stateSet(data);
      }
      byte[] stdin = fake.stdin(relation ? "relation-set" : "state-set", 1).getBytes(StandardCharsets.UTF_8);
      String text = new String(stdin, StandardCharsets.UTF_8);
      assertFalse(text.matches("(?s).*\\\\u[dD][89abAB].*"), "no surrogate escapes: " + text);
      assertTrue(text.contains("\uD83D\uDE00"), "non-BMP characters as UTF-8: " + text);
      assertEquals(null, jujusim.GoYaml.problem(stdin), text);
      assertEquals(data, new org.yaml.snakeyaml.Yaml().load(text), "a YAML 1.1 reader gets the values back");
      assertEquals(data, new ObjectMapper().readValue(stdin, Map.class), "still JSON");
    }
  }

  @Test
  void relationSetAppAndNullValueDeletes() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("gone", null);
    data.put("url", "http://10.0.0.7:5000");
    tools.relationSetApp("website:3", data);
    assertEquals(
        List.of("-r", "website:3", "--app", "--file", "-"), fake.onlyArgv("relation-set"));
    assertEquals("{\"gone\":\"\",\"url\":\"http://10.0.0.7:5000\"}", fake.stdin("relation-set", 1));
  }

  @Test
  void emptyWritesRunNothing() {
    tools.relationSet("website:3", Map.of());
    tools.relationSetApp("website:3", Map.of());
    tools.leaderSet(Map.of());
    tools.stateSet(Map.of());
    tools.actionSet(Map.of());
    assertEquals(0, fake.calls("relation-set"));
    assertEquals(0, fake.calls("leader-set"));
    assertEquals(0, fake.calls("state-set"));
    assertEquals(0, fake.calls("action-set"));
  }

  @Test
  void leaderSetPassesKeyValueArgs() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("b", "x=y");
    data.put("a", "1");
    data.put("c", "");
    tools.leaderSet(data);
    assertEquals(List.of("a=1", "b=x=y", "c="), fake.onlyArgv("leader-set"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a=b"})
  void leaderSetRejectsBadKeysBeforeRunning(String key) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> tools.leaderSet(Map.of(key, "hunter2")));
    assertFalse(e.getMessage().contains("hunter2"));
    assertEquals(0, fake.calls("leader-set"));
  }

  @Test
  void statusSetUnitAndApplication() {
    tools.statusSet(Status.active("Ready"));
    tools.applicationStatusSet(Status.blocked("need config: --foo"));
    assertEquals(
        List.of("--application=False", "active", "--", "Ready"), fake.argv("status-set", 1));
    assertEquals(
        List.of("--application=True", "blocked", "--", "need config: --foo"),
        fake.argv("status-set", 2));
  }

  @Test
  void statusSetEmptyOrNullMessagePassesEmptyArgument() {
    tools.statusSet(Status.maintenance(""));
    tools.statusSet(Status.waiting(null));
    assertEquals(
        List.of("--application=False", "maintenance", "--", ""), fake.argv("status-set", 1));
    assertEquals(List.of("--application=False", "waiting", "--", ""), fake.argv("status-set", 2));
  }

  @Test
  void applicationVersionSet() {
    tools.applicationVersionSet("2.8.3");
    assertEquals(List.of("--", "2.8.3"), fake.onlyArgv("application-version-set"));
  }

  @Test
  void jujuLog() {
    tools.log(LogLevel.WARNING, "hello\n-- world");
    assertEquals(
        List.of("--log-level", "WARNING", "--", "hello\n-- world"), fake.onlyArgv("juju-log"));
  }

  @Test
  void jujuLogAtTheLimitIsOneCall() {
    String message = "a".repeat(ProcessHookTools.MAX_LOG_ARG_BYTES);
    tools.log(LogLevel.INFO, message);
    assertEquals(List.of("--log-level", "INFO", "--", message), fake.onlyArgv("juju-log"));
  }

  @Test
  void jujuLogOverTheLimitIsSplit() {
    String message = "x".repeat(131071) + "y".repeat(131071) + "z";
    tools.log(LogLevel.DEBUG, message);
    assertEquals(3, fake.calls("juju-log"));
    assertEquals(
        List.of("--log-level", "DEBUG", "--", "x".repeat(131071)), fake.argv("juju-log", 1));
    assertEquals(
        List.of("--log-level", "DEBUG", "--", "y".repeat(131071)), fake.argv("juju-log", 2));
    assertEquals(List.of("--log-level", "DEBUG", "--", "z"), fake.argv("juju-log", 3));
  }

  @Test
  void jujuLogSplitsMultiByteTextByBytesWithoutBreakingCodePoints() {
    // 70000 two-byte chars and an emoji (a surrogate pair, 4 bytes) right at the boundary.
    String message = "é".repeat(65535) + "😀" + "é".repeat(4465);
    tools.log(LogLevel.INFO, message);
    int calls = fake.calls("juju-log");
    assertEquals(2, calls);
    StringBuilder joined = new StringBuilder();
    for (int n = 1; n <= calls; n++) {
      String part = fake.argv("juju-log", n).get(3);
      assertTrue(part.getBytes(StandardCharsets.UTF_8).length <= 131071, "part " + n);
      assertFalse(part.contains("\uFFFD"), "no broken code point in part " + n);
      joined.append(part);
    }
    assertEquals(message, joined.toString());
  }

  @Test
  void splitUtf8() {
    assertEquals(List.of(""), ProcessHookTools.splitUtf8("", 4));
    assertEquals(List.of("abcd", "ef"), ProcessHookTools.splitUtf8("abcdef", 4));
    assertEquals(List.of("aé", "é"), ProcessHookTools.splitUtf8("aéé", 4));
    assertEquals(List.of("a", "😀", "b"), ProcessHookTools.splitUtf8("a😀b", 4));
  }

  @Test
  void openAndClosePort() {
    tools.openPort(5000, "tcp");
    tools.openPort(53, "UDP");
    tools.closePort(5000, "tcp");
    tools.closePort(0, "icmp");
    assertEquals(List.of("5000/tcp"), fake.argv("open-port", 1));
    assertEquals(List.of("53/udp"), fake.argv("open-port", 2));
    assertEquals(List.of("5000/tcp"), fake.argv("close-port", 1));
    assertEquals(List.of("icmp"), fake.argv("close-port", 2));
  }

  @Test
  void actionSetPassesSortedKeyValueArgsVerbatim() {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("result", "ok");
    results.put("a.b", "1=2\nthree");
    results.put("empty", "");
    results.put("0-x.y-9", "v");
    tools.actionSet(results);
    assertEquals(
        List.of("0-x.y-9=v", "a.b=1=2\nthree", "empty=", "result=ok"), fake.onlyArgv("action-set"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Result",
        "result_value",
        "-a",
        "a-",
        "a..b",
        ".a",
        "a.",
        "",
        "a=b",
        "a b",
        "stdout",
        "stdout-encoding",
        "stderr",
        "x.stderr-encoding",
        "stderr.x"
      })
  void actionSetRejectsBadKeysBeforeRunningAnything(String key) {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("good", "fine");
    results.put(key, "hunter2-secret");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tools.actionSet(results));
    assertTrue(e.getMessage().contains("\"" + key + "\""), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertEquals(0, fake.calls("action-set"));
  }

  @Test
  void actionFailAndLog() {
    tools.actionFail("backup failed: disk full");
    tools.actionFail(null);
    tools.actionLog("copying layers");
    assertEquals(List.of("--", "backup failed: disk full"), fake.argv("action-fail", 1));
    assertEquals(List.of(), fake.argv("action-fail", 2));
    assertEquals(List.of("--", "copying layers"), fake.onlyArgv("action-log"));
  }

  @Test
  void actionLogIsSplitLikeJujuLog() {
    tools.actionLog("p".repeat(131072));
    assertEquals(2, fake.calls("action-log"));
    assertEquals(List.of("--", "p"), fake.argv("action-log", 2));
  }

  @Test
  void stateSetAndDelete() {
    tools.stateSet(Map.of("spec-hash", "abc123"));
    tools.stateDelete("old-key");
    assertEquals(List.of("--file", "-"), fake.onlyArgv("state-set"));
    assertEquals("{\"spec-hash\":\"abc123\"}", fake.stdin("state-set", 1));
    assertEquals(List.of("old-key"), fake.onlyArgv("state-delete"));
  }

  // ---------------------------------------------------------------------------- failures

  @Test
  void exitOneRaisesWithErrorText() {
    fake.stderr("relation-set", "ERROR cannot write relation settings\n").exit("relation-set", 1);
    HookToolException e =
        assertThrows(
            HookToolException.class, () -> tools.relationSetApp("website:3", Map.of("k", "v")));
    assertEquals(1, e.exitCode());
    assertEquals("cannot write relation settings", e.error());
    assertEquals(
        List.of("relation-set", "-r", "website:3", "--app", "--file", "-"), e.command());
    assertEquals("relation-set exited 1: cannot write relation settings", e.getMessage());
    assertFalse(e.isRelationNotFound());
  }

  @Test
  void exitTwoRaisesRelationNotFound() {
    fake.stderr(
            "relation-get", "ERROR invalid value \"db:99\" for option -r: relation not found\n")
        .exit("relation-get", 2);
    HookToolException e =
        assertThrows(HookToolException.class, () -> tools.relationGet("db:99", "mysql/0"));
    assertEquals(2, e.exitCode());
    assertEquals("invalid value \"db:99\" for option -r: relation not found", e.error());
    assertTrue(e.isRelationNotFound());
    assertEquals("relation-get", e.command().get(0), "argv[0] is the tool name, not its path");
  }

  @Test
  void stderrWithoutErrorPrefixIsKeptTrimmed() {
    fake.stderr("is-leader", "  something odd\n\n").exit("is-leader", 3);
    HookToolException e = assertThrows(HookToolException.class, tools::isLeader);
    assertEquals(3, e.exitCode());
    assertEquals("something odd", e.error());
  }

  @Test
  void failureWithoutStderr() {
    fake.exit("open-port", 1);
    HookToolException e =
        assertThrows(HookToolException.class, () -> tools.openPort(5000, "tcp"));
    assertEquals("", e.error());
    assertEquals("open-port exited 1", e.getMessage());
  }

  @Test
  void errorText() {
    assertEquals("x", ProcessHookTools.errorText("ERROR x\n"));
    assertEquals(
        "yaml: bad\n  line 1: no", ProcessHookTools.errorText("ERROR yaml: bad\n  line 1: no\n"));
    assertEquals("ERRORS x", ProcessHookTools.errorText("ERRORS x"));
    assertEquals("", ProcessHookTools.errorText(" \n"));
  }

  @Test
  void successWithStderrStillParsesStdout() {
    fake.stdout("config-get", "{\"a\":1}\n")
        .stderr("config-get", "--format flag deprecated for command \"config-get\"");
    assertEquals(Map.of("a", 1), tools.configGet());
  }

  @Test
  void secretValuesNeverReachExceptionText() {
    String secret = "hunter2-SECRET";
    fake.stderr("leader-set", "ERROR cannot write leadership settings: not the leader\n")
        .exit("leader-set", 1);
    fake.stderr("action-set", "ERROR not running an action\n").exit("action-set", 1);
    fake.stderr("relation-set", "ERROR cannot write relation settings\n").exit("relation-set", 1);
    fake.stderr("state-set", "ERROR max allowed key/value length exceeded\n").exit("state-set", 1);
    fake.exit("status-set", 1);

    List<HookToolException> failures =
        Stream.<Runnable>of(
                () -> tools.leaderSet(Map.of("password", secret)),
                () -> tools.actionSet(Map.of("password", secret)),
                () -> tools.relationSet("website:3", Map.of("password", secret)),
                () -> tools.stateSet(Map.of("password", secret)),
                () -> tools.statusSet(Status.blocked(secret)))
            .map(call -> assertThrows(HookToolException.class, call::run))
            .toList();
    assertEquals(5, failures.size());
    for (HookToolException e : failures) {
      assertFalse(e.getMessage().contains(secret), e.getMessage());
      assertFalse(e.toString().contains(secret), e.toString());
      assertFalse(stackTrace(e).contains(secret), stackTrace(e));
    }
    // The argv is still there for whoever needs it, and it is the real one.
    assertEquals(List.of("leader-set", "password=" + secret), failures.get(0).command());
  }

  @Test
  void missingToolIsUncheckedIoNamingOnlyTheTool() throws Exception {
    ProcessHookTools none = new ProcessHookTools(Files.createDirectories(tmp.resolve("empty")));
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> none.leaderSet(Map.of("k", "hunter2")));
    assertEquals("cannot run hook tool leader-set", e.getMessage());
    assertFalse(stackTrace(e).contains("hunter2"));
  }

  @Test
  void withoutToolsDirTheBareToolNameIsLookedUpOnPath() {
    Assumptions.assumeTrue(
        Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
            .noneMatch(d -> !d.isEmpty() && Files.exists(Path.of(d, "state-delete"))),
        "state-delete must not be installed on the test machine");
    ProcessHookTools onPath = new ProcessHookTools(null);
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> onPath.stateDelete("some-key"));
    assertEquals("cannot run hook tool state-delete", e.getMessage());
    // argv[0] is the bare name (a PATH lookup), not a path in some directory.
    assertTrue(
        e.getCause().getMessage().startsWith("Cannot run program \"state-delete\""),
        e.getCause().getMessage());
  }

  // -------------------------------------------------------------------------- big data

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void bigStdoutAndBigStderrDoNotDeadlock() {
    String big = "v".repeat(1 << 20);
    fake.stdout("relation-get", "{\"big\":\"" + big + "\"}\n")
        .stderr("relation-get", "w".repeat(200 * 1024) + "\n");
    Map<String, String> bag = tools.relationGet("website:3", "haproxy/0");
    assertEquals(big, bag.get("big"));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void bigStderrOnFailureIsReturnedWhole() {
    fake.stdout("relation-get", "x".repeat(1 << 20))
        .stderr("relation-get", "ERROR " + "e".repeat(200 * 1024) + "\n")
        .exit("relation-get", 1);
    HookToolException e =
        assertThrows(HookToolException.class, () -> tools.relationGet("website:3", "haproxy/0"));
    assertEquals(1, e.exitCode());
    assertEquals("e".repeat(200 * 1024), e.error());
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void bigStdinWhileTheToolPrintsFirstDoesNotDeadlock() {
    // The fake writes 1 MB of stdout and 200 KB of stderr before it reads stdin.
    fake.stdout("relation-set", "o".repeat(1 << 20)).stderr("relation-set", "e".repeat(200 * 1024));
    String value = "c".repeat(1 << 20);
    tools.relationSet("website:3", Map.of("cert", value));
    assertEquals("{\"cert\":\"" + value + "\"}", fake.stdin("relation-set", 1));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void toolThatIgnoresBigStdinStillReportsItsExit() {
    // A shell script that exits without reading stdin: the write side gets EPIPE, which must
    // not mask the tool's own status.
    HookToolException e =
        assertThrows(
            HookToolException.class,
            () ->
                new ProcessHookTools(exitingBin())
                    .stateSet(Map.of("k", "q".repeat(1 << 20))));
    assertEquals(7, e.exitCode());
    assertEquals("early", e.error());
  }

  private Path exitingBin() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("exiting"));
    Path tool = dir.resolve("state-set");
    Files.writeString(tool, "#!/bin/sh\necho 'ERROR early' >&2\nexit 7\n");
    assertTrue(tool.toFile().setExecutable(true));
    return dir;
  }

  // -------------------------------------------------------------------------- deadline

  @Test
  void aToolThatNeverFinishesIsKilledAtTheDeadline() throws Exception {
    // The tool, and a child of it that also holds stdout open, both sleep forever.
    Path hung = Files.createDirectories(tmp.resolve("hung"));
    Path pids = tmp.resolve("pids");
    Path tool = hung.resolve("config-get");
    Files.writeString(tool, "#!/bin/sh\nsleep 1000 &\necho \"$$ $!\" > " + pids + "\nwait\n");
    assertTrue(tool.toFile().setExecutable(true));
    ProcessHookTools quick = new ProcessHookTools(hung, Duration.ofMillis(500));

    long start = System.nanoTime();
    HookToolException e = assertThrows(HookToolException.class, quick::configGet);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(millis >= 450 && millis < 5000, "gave up after " + millis + " ms");
    assertTrue(e.timedOut());
    assertEquals("config-get did not finish within 500 ms and was killed", e.getMessage());
    String[] started = Files.readString(pids).strip().split(" ");
    ProcessHandle toolProcess = ProcessHandle.of(Long.parseLong(started[0])).orElse(null);
    assertTrue(toolProcess == null || !toolProcess.isAlive(), "the tool is gone");
    // The child was the tool's; once the tool is gone, init reaps it, which is not instant.
    ProcessHandle child = ProcessHandle.of(Long.parseLong(started[1])).orElse(null);
    if (child != null) {
      child.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aChildHoldingStderrOpenDoesNotHoldTheCall() throws Exception {
    // The tool exits at once, but leaves a child that keeps its stderr (not stdout) open: a tool
    // that succeeded is not waited for on stderr.
    Path pid = tmp.resolve("pid");
    ProcessHookTools quick = new ProcessHookTools(holdingStderr("holding", pid, "echo '{\"a\":1}'\n"), Duration.ofSeconds(5));

    long start = System.nanoTime();
    Map<String, Object> config = quick.configGet();
    long millis = (System.nanoTime() - start) / 1_000_000;

    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
    assertEquals(Map.of("a", 1), config);
    assertTrue(millis < 4000, "took " + millis + " ms");
  }

  @Test
  void aFailedToolsChildHoldingStderrOpenDoesNotHideTheErrorOrHoldTheCall() throws Exception {
    Path pid = tmp.resolve("failing-pid");
    ProcessHookTools quick =
        new ProcessHookTools(holdingStderr("failing-holding", pid, "echo 'ERROR no config here' >&2\nexit 1\n"), Duration.ofSeconds(10));

    long start = System.nanoTime();
    HookToolException e = assertThrows(HookToolException.class, quick::configGet);
    long millis = (System.nanoTime() - start) / 1_000_000;

    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
    assertTrue(e.getMessage().contains("no config here"), e.getMessage());
    assertTrue(millis < 5000, "took " + millis + " ms");
  }

  /** A directory with a config-get that starts a child holding its stderr (pid in {@code pid}), then runs {@code rest}. */
  private Path holdingStderr(String dir, Path pid, String rest) throws IOException {
    Path holding = Files.createDirectories(tmp.resolve(dir));
    Path tool = holding.resolve("config-get");
    Files.writeString(tool, "#!/bin/sh\nsleep 1000 >/dev/null &\necho $! > " + pid + "\n" + rest);
    assertTrue(tool.toFile().setExecutable(true));
    return holding;
  }

  @Test
  void aToolThatIgnoresSigtermIsKilledForcibly() throws Exception {
    Path stubborn = Files.createDirectories(tmp.resolve("stubborn"));
    Path pid = tmp.resolve("pid");
    Path tool = stubborn.resolve("is-leader");
    Files.writeString(tool, "#!/bin/sh\ntrap '' TERM\necho $$ > " + pid + "\nexec sleep 1000\n");
    assertTrue(tool.toFile().setExecutable(true));
    ProcessHookTools quick = new ProcessHookTools(stubborn, Duration.ofMillis(300));

    long start = System.nanoTime();
    HookToolException e = assertThrows(HookToolException.class, quick::isLeader);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(e.timedOut());
    assertTrue(millis < 8000, "gave up after " + millis + " ms");
    ProcessHandle toolProcess = ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElse(null);
    assertTrue(toolProcess == null || !toolProcess.isAlive(), "the tool is gone");
  }

  @Test
  void theDefaultDeadlineIsAMinute() {
    assertEquals(Duration.ofSeconds(60), ProcessHookTools.DEFAULT_DEADLINE);
  }

  // ---------------------------------------------------------------------------- helpers

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
