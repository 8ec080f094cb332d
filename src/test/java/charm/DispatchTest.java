package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code dispatch} against a fake Java home whose {@code java} records its argv
 * and plays the JVM's part in recording and checking the class archive: which Java it picks and
 * notes, when it records the archive (a steady update-status or config-changed only), that it
 * checks it once and maps it afterwards, and when it drops it (a charm or Java upgrade, a changed
 * jar, a complaint of the JVM).
 */
class DispatchTest {
  private static final Path DISPATCH = Path.of("dispatch").toAbsolutePath();
  /** The fake java: argv to argv.log, archives and the steady marker as the env asks. */
  private static final String FAKE_JAVA = """
      #!/bin/sh
      printf '%s\\n' --- "$0" "$@" >> "$(dirname "$0")/../../../argv.log"
      marker= out= conf= cache= mode=
      for a in "$@"; do
        case $a in
          -version) exit "${FAKE_CHECK_EXIT:-0}" ;;
          -Dcharm.steady-marker=*) marker=${a#*=} ;;
          -XX:ArchiveClassesAtExit=*) out=${a#*=} ;;
          -XX:AOTConfiguration=*) conf=${a#*=} ;;
          -XX:AOTCache=*) cache=${a#*=} ;;
          -XX:AOTMode=*) mode=${a#*=} ;;
        esac
      done
      if [ "$mode" = create ]; then echo cache > "$cache"; exit 0; fi
      if [ "$mode" = record ]; then echo conf > "$conf"; fi
      if [ -n "$out" ]; then echo archive > "$out"; fi
      if [ -n "$marker" ] && [ "${FAKE_STEADY:-1}" = 1 ]; then : > "$marker"; fi
      exit "${FAKE_EXIT:-0}"
      """;

  @TempDir Path tmp;
  Path charm;
  Path jdk;
  Path bin;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    charm = Files.createDirectories(tmp.resolve("charm"));
    Files.createDirectories(charm.resolve("lib"));
    Files.writeString(charm.resolve("lib/charm.jar"), "jar");
    Files.writeString(charm.resolve("lib/other.jar"), "jar");
    jdk = fakeJdk("jdk17", "17.0.9");
    bin = Files.createDirectories(tmp.resolve("bin"));
    for (String tool : List.of("juju-log", "status-set")) {
      Path t = bin.resolve(tool);
      Files.writeString(t, "#!/bin/sh\nprintf '%s\\n' \"" + tool + " $*\" >> " + tmp.resolve("tools.log") + "\n");
      assertTrue(t.toFile().setExecutable(true));
    }
    env = new HashMap<>(Map.of("JUJU_CHARM_DIR", charm.toString(), "JAVA_HOME", jdk.toString(), "PATH", bin + ":/usr/bin:/bin"));
    // The archives and notes are newer than the charm's jars and the Java, as on a unit.
    age(charm.resolve("lib/charm.jar"), 3600);
    age(charm.resolve("lib/other.jar"), 3600);
    age(jdk.resolve("lib/modules"), 3600);
  }

  @Test
  void theFirstSteadyUpdateStatusRecordsTheArchiveChecksItAndLaterHooksMapIt() throws IOException {
    assertEquals(0, hook("update-status"));
    List<List<String>> calls = calls();
    assertEquals(2, calls.size(), calls.toString());
    assertTrue(calls.get(0).contains("-XX:ArchiveClassesAtExit=" + jvm("charm.jsa.new")), calls.get(0).toString());
    assertTrue(calls.get(0).contains("-Dcharm.steady-marker=" + jvm("steady")));
    assertEquals("charm.Main", last(calls.get(0)));
    assertTrue(calls.get(1).containsAll(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + jvm("charm.jsa.new"))), "checked once");
    assertEquals("-version", last(calls.get(1)));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertEquals(List.of(), leftovers());
    assertTrue(tools().contains("juju-log --log-level INFO -- Recorded the class archive " + jvm("charm.jsa") + " for later hooks"));

    assertEquals(0, hook("leader-settings-changed"));
    List<String> later = calls().get(2);
    assertTrue(later.contains("-XX:SharedArchiveFile=" + jvm("charm.jsa")), later.toString());
    assertTrue(later.contains("-Xlog:cds=warning,cds+dynamic=warning:file=" + jvm("archive.log") + "::filecount=0"));
    assertEquals(List.of("-cp", charm + "/lib/*"), later.subList(later.indexOf("-cp"), later.indexOf("-cp") + 2));
    assertEquals("charm.Main", last(later));
    assertEquals(3, calls().size(), "one process per hook once recorded");
  }

  @Test
  void aHookThatWasNotSteadyKeepsNoArchiveAndTheNextOneTriesAgain() throws IOException {
    env.put("FAKE_STEADY", "0");
    assertEquals(0, hook("config-changed"));
    assertEquals(1, calls().size(), "no check without the steady mark");
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertEquals(List.of(), leftovers());
    env.put("FAKE_STEADY", "1");
    assertEquals(0, hook("config-changed"));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa")));
  }

  @Test
  void otherHooksAndActionsNeverRecord() throws IOException {
    for (String path : List.of("hooks/install", "hooks/start", "hooks/peer-relation-changed", "actions/images")) {
      env.put("JUJU_DISPATCH_PATH", path);
      assertEquals(0, run());
    }
    calls().forEach(c -> assertFalse(String.join(" ", c).contains("ArchiveClassesAtExit"), c.toString()));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
  }

  @Test
  void theHooksExitCodeIsKeptAndAFailedHookKeepsNoArchive() throws IOException {
    env.put("FAKE_EXIT", "3");
    assertEquals(3, hook("update-status"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertEquals(List.of(), leftovers());
  }

  @Test
  void anArchiveJavaCannotMapIsDroppedOnceAndNotRecordedAgainUntilAnUpgrade() throws IOException {
    env.put("FAKE_CHECK_EXIT", "1");
    assertEquals(0, hook("update-status"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa.failed")));
    assertTrue(tools().contains("juju-log --log-level WARNING -- Java did not record a class archive it can map"), tools());
    int before = calls().size();
    assertEquals(0, hook("update-status"));
    assertEquals(before + 1, calls().size(), "no second attempt");
    assertFalse(String.join(" ", calls().get(before)).contains("ArchiveClassesAtExit"));

    env.remove("FAKE_CHECK_EXIT");
    assertEquals(0, hook("upgrade-charm"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa.failed")), "a new charm tries again");
    assertEquals(0, hook("update-status"));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa")));
  }

  @Test
  void aNewCharmAnUpdatedJavaOrAChangedJarMakeTheArchiveStale() throws IOException {
    assertEquals(0, hook("update-status"));
    assertEquals(0, hook("upgrade-charm"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")), "upgrade-charm drops it");
    assertFalse(String.join(" ", calls().get(calls().size() - 1)).contains("SharedArchiveFile"), "and does not use it");

    assertEquals(0, hook("update-status"));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa")));
    Files.setLastModifiedTime(jdk.resolve("lib/modules"), FileTime.from(Instant.now().plusSeconds(5)));
    assertEquals(0, hook("start"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")), "the Java was updated");
    age(jdk.resolve("lib/modules"), 3600);

    assertEquals(0, hook("update-status"));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa")));
    Files.setLastModifiedTime(charm.resolve("lib/other.jar"), FileTime.from(Instant.now().plusSeconds(5)));
    assertEquals(0, hook("start"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")), "a jar changed");
  }

  @Test
  void whatTheJvmSaidAboutTheArchiveLastTimeDropsIt() throws IOException {
    assertEquals(0, hook("update-status"));
    Files.writeString(charm.resolve(".jvm/archive.log"), "[0.011s][warning][cds,dynamic] Unable to use shared archive.\n");
    assertEquals(0, hook("update-status"));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.jsa.failed")));
    assertTrue(tools().contains("juju-log --log-level WARNING -- The class archive " + jvm("charm.jsa")
        + " could not be used ([0.011s][warning][cds,dynamic] Unable to use shared archive. )"), tools());
    assertFalse(String.join(" ", calls().get(calls().size() - 1)).contains("SharedArchiveFile"));
  }

  @Test
  void java25RecordsAndMapsItsAotCache() throws IOException {
    env.put("JAVA_HOME", fakeJdk("jdk25", "25.0.3").toString());
    assertEquals(0, hook("update-status"));
    List<List<String>> calls = calls();
    assertEquals(3, calls.size(), calls.toString());
    assertTrue(calls.get(0).containsAll(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + jvm("charm.aot.conf"))));
    assertEquals("charm.Main", last(calls.get(0)));
    assertTrue(calls.get(1).containsAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + jvm("charm.aot.conf"),
        "-XX:AOTCache=" + jvm("charm.aot.new"))));
    assertTrue(calls.get(2).containsAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + jvm("charm.aot.new"), "-version")));
    assertTrue(Files.exists(charm.resolve(".jvm/charm.aot")));
    assertEquals(List.of(), leftovers());

    assertEquals(0, hook("update-status"));
    List<String> later = calls().get(3);
    assertTrue(later.contains("-XX:AOTCache=" + jvm("charm.aot")), later.toString());
    assertTrue(later.contains("-Xlog:aot=warning,cds=warning:file=" + jvm("archive.log") + "::filecount=0"));
    assertFalse(later.contains("-Xlog:cds+dynamic=off"), "a Java 17 option");
  }

  @Test
  void theJavaIsNotedAndAnotherJavaHomeDropsTheArchiveOfTheFirst() throws IOException {
    assertEquals(0, hook("update-status"));
    assertEquals(jdk + "\n17\n", Files.readString(charm.resolve(".jvm/java")));
    Path other = fakeJdk("jdk21", "21.0.4");
    env.put("JAVA_HOME", other.toString());
    assertEquals(0, hook("start"));
    assertEquals(other + "\n21\n", Files.readString(charm.resolve(".jvm/java")));
    assertFalse(Files.exists(charm.resolve(".jvm/charm.jsa")));
    assertEquals(other.resolve("bin/java").toString(), calls().get(calls().size() - 1).get(0));
  }

  @Test
  void withoutJavaHomeTheNewestJava17OrLaterOnPathWins() throws IOException {
    env.put("JAVA_HOME", fakeJdk("jdk11", "11.0.20").toString()); // too old: passed over
    Path newest = fakeJdk("jdk99", "99.0.1");
    Files.createSymbolicLink(bin.resolve("java"), newest.resolve("bin/java"));
    assertEquals(0, hook("install"));
    assertEquals(newest.resolve("bin/java").toString(), calls().get(0).get(0));
    assertEquals(newest + "\n99\n", Files.readString(charm.resolve(".jvm/java")));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private int hook(String name) {
    env.put("JUJU_DISPATCH_PATH", "hooks/" + name);
    return run();
  }

  private int run() {
    try {
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", DISPATCH.toString()).directory(charm.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
      pb.environment().clear();
      pb.environment().putAll(env);
      Process p = pb.start();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      return p.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Each java run: its argv, the java's own path first. */
  private List<List<String>> calls() throws IOException {
    List<List<String>> calls = new ArrayList<>();
    Path log = tmp.resolve("argv.log");
    if (!Files.exists(log)) {
      return calls;
    }
    for (String line : Files.readAllLines(log)) {
      if (line.equals("---")) {
        calls.add(new ArrayList<>());
      } else {
        calls.get(calls.size() - 1).add(line);
      }
    }
    return calls;
  }

  private String tools() throws IOException {
    Path log = tmp.resolve("tools.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Files of a recording that must not outlive it. */
  private List<String> leftovers() throws IOException {
    try (var files = Files.list(charm.resolve(".jvm"))) {
      return files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".new") || n.endsWith(".conf") || n.equals("steady")).toList();
    }
  }

  private String jvm(String file) {
    return charm.resolve(".jvm").resolve(file).toString();
  }

  private static String last(List<String> argv) {
    return argv.get(argv.size() - 1);
  }

  /** A Java home whose java is {@link #FAKE_JAVA}. */
  private Path fakeJdk(String name, String version) throws IOException {
    Path home = Files.createDirectories(tmp.resolve("jvm").resolve(name));
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
    Files.writeString(home.resolve("lib/modules"), "modules");
    age(home.resolve("lib/modules"), 3600);
    Path java = home.resolve("bin/java");
    Files.writeString(java, FAKE_JAVA, StandardCharsets.UTF_8);
    assertTrue(java.toFile().setExecutable(true));
    return home;
  }

  private static void age(Path file, long seconds) throws IOException {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(seconds)));
  }
}
