package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import jujusim.HookResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The class archive with the real JVMs of the machine, Java 17 (AppCDS) and Java 25 (AOT cache)
 * when installed: dispatch records it on a steady hook, later hooks load the charm's classes from
 * it, and a refresh to a new charm drops it and records it again. (DispatchTest covers every rule
 * with a fake JVM.)
 */
@Tag("docker")
class ClassArchiveIT {

  @ParameterizedTest(name = "Java {0}")
  @ValueSource(ints = {17, 25})
  void recordedOnASteadyHookUsedByTheNextAndRemadeAfterARefresh(int major) throws IOException {
    Path home = javaHome(major);
    Assumptions.assumeTrue(home != null, "no Java " + major + " in /usr/lib/jvm");
    Path classLog = Files.createTempFile("class-load", ".log");
    try (SimUnit unit = SimUnit.deploy("archive" + major, m -> m.env.put("JAVA_HOME", home.toString()))) {
      Path archive = unit.sim.charmDir(SimUnit.UNIT).resolve(".jvm").resolve(major >= 25 ? "charm.aot" : "charm.jsa");
      unit.hook("update-status");
      assertTrue(Files.size(archive) > 1_000_000, archive + " recorded");
      assertEquals(home + "\n" + major + "\n", Files.readString(archive.resolveSibling("java")));

      unit.sim.model().env.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classLog);
      unit.hook("update-status");
      unit.sim.model().env.remove("JAVA_TOOL_OPTIONS");
      List<String> loaded = Files.readAllLines(classLog);
      String main = loaded.stream().filter(l -> l.contains(" charm.Main ")).findFirst().orElseThrow();
      assertTrue(main.contains("source: shared objects file"), main);
      // Lambdas only one kind of hook creates are made at run time (the archive may come from config-changed).
      List<String> notArchived = loaded.stream()
          .filter(l -> l.contains(" charm.") && !l.contains("$$Lambda") && !l.contains("shared objects file")).toList();
      assertEquals(List.of(), notArchived, "every class of the charm from the archive");
      unit.assertActive();

      FileTime recorded = Files.getLastModifiedTime(archive);
      List<HookResult> hooks = unit.sim.refresh(RegistryCharmIT.CHARM);
      hooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      unit.hook("update-status");
      assertTrue(Files.exists(archive), "recorded again");
      assertNotEquals(recorded, Files.getLastModifiedTime(archive), "a new archive for the new charm");
      assertFalse(Files.exists(archive.resolveSibling(archive.getFileName() + ".failed")));
      unit.assertActive();
    } finally {
      Files.deleteIfExists(classLog);
    }
  }

  /** A Java home of that major version in /usr/lib/jvm, or null. */
  private static Path javaHome(int major) throws IOException {
    try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
      return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && !Files.isSymbolicLink(h))
          .filter(h -> {
            try {
              return Files.readAllLines(h.resolve("release")).stream().anyMatch(l -> l.startsWith("JAVA_VERSION=\"" + major + "."));
            } catch (IOException e) {
              return false;
            }
          })
          .sorted().findFirst().orElse(null);
    }
  }
}
