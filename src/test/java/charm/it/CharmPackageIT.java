package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** The .charm that `juju deploy` takes: layout, modes, metadata, and the legacy hook entry points. */
class CharmPackageIT {
  static final Path CHARM = Path.of(System.getProperty("charm.file", "target/docker-registry.charm"));
  static final Map<String, Integer> modes = new TreeMap<>();

  @BeforeAll
  static void readZip() throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(CHARM).get()) {
      for (ZipArchiveEntry e : java.util.Collections.list(zip.getEntries())) {
        modes.put(e.getName(), e.getUnixMode() & 0777);
      }
    }
  }

  @Test
  void topLevelFilesAndExecutableEntryPoints() {
    for (String file : List.of("metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml", "README.md", "LICENSE", "icon.svg", "lib/charm.jar")) {
      assertEquals(0644, modes.get(file), file);
    }
    assertEquals(0755, modes.get("dispatch"));
    Set<String> expected = new TreeSet<>(List.of("install", "start", "stop", "remove", "config-changed", "upgrade-charm",
        "update-status", "leader-elected", "leader-settings-changed", "pre-series-upgrade", "post-series-upgrade"));
    for (String endpoint : List.of("docker-registry", "nrpe-external-master", "website", "cert-provider", "peer")) {
      for (String kind : List.of("created", "joined", "changed", "departed", "broken")) {
        expected.add(endpoint + "-relation-" + kind);
      }
    }
    for (String hook : expected) {
      assertEquals(0755, modes.get("hooks/" + hook), "hooks/" + hook);
    }
  }

  @Test
  void onlyTheCharmsRuntimeIsPacked() throws IOException {
    assertFalse(modes.keySet().stream().anyMatch(n -> n.contains("picocli")), "picocli is for the simulator's command line only");
    assertFalse(modes.keySet().stream().anyMatch(n -> n.contains("junit")));
    List<String> classes = new ArrayList<>();
    try (ZipFile zip = ZipFile.builder().setPath(CHARM).get();
        ZipInputStream jar = new ZipInputStream(zip.getInputStream(zip.getEntry("lib/charm.jar")))) {
      for (ZipEntry e; (e = jar.getNextEntry()) != null; ) {
        classes.add(e.getName());
      }
    }
    assertTrue(classes.contains("charm/Main.class"));
    assertFalse(classes.stream().anyMatch(c -> c.startsWith("jujusim/")), "the simulator stays out of the charm");
    // One jar: the runtime libraries are merged in, without signatures, picocli or test code.
    assertTrue(classes.contains("com/github/dockerjava/core/DockerClientImpl.class"));
    assertTrue(classes.contains("org/bouncycastle/crypto/generators/OpenBSDBCrypt.class"));
    assertTrue(classes.contains("META-INF/services/org.slf4j.spi.SLF4JServiceProvider"));
    assertFalse(classes.stream().anyMatch(c -> c.startsWith("picocli/") || c.startsWith("org/junit/")), "simulator and test libraries");
    assertFalse(classes.stream().anyMatch(c -> c.matches("META-INF/[^/]*\\.(SF|RSA|DSA|EC)")), "no signature of a merged jar");
    assertEquals(List.of("lib/", "lib/charm.jar"), modes.keySet().stream().filter(n -> n.startsWith("lib/")).toList());
  }

  @Test
  @SuppressWarnings("unchecked")
  void metadataManifestAndActions() throws IOException {
    Map<String, Object> metadata = yaml("metadata.yaml");
    assertEquals("docker-registry", metadata.get("name"));
    assertEquals(Map.of("docker-registry", Map.of("interface", "docker-registry"),
            "nrpe-external-master", Map.of("interface", "nrpe-external-master", "scope", "container"),
            "website", Map.of("interface", "http"),
            "cos-agent", Map.of("interface", "cos_agent", "limit", 1)), metadata.get("provides"));
    assertEquals(Map.of("cert-provider", Map.of("interface", "tls-certificates")), metadata.get("requires"));
    assertEquals(Map.of("peer", Map.of("interface", "peer-discovery")), metadata.get("peers"));
    // `juju attach-resource docker-registry registry-image=./registry-image.tar`
    Map<String, Object> resources = (Map<String, Object>) metadata.get("resources");
    assertEquals(Set.of("registry-image"), resources.keySet());
    Map<String, Object> image = (Map<String, Object>) resources.get("registry-image");
    assertEquals("file", image.get("type"));
    assertEquals("registry-image.tar", image.get("filename"));

    // 22.04 first: a Juju 2.9 client without distro-info data for 24.04 cannot resolve that base.
    List<Map<String, Object>> bases = (List<Map<String, Object>>) yaml("manifest.yaml").get("bases");
    assertEquals(List.of("22.04", "24.04"), bases.stream().map(b -> b.get("channel")).toList());
    // The bases say which series; juju/charm refuses a `series` key next to `assumes`.
    assertFalse(metadata.containsKey("series"), "metadata.yaml has no series key");
    bases.forEach(b -> assertEquals(List.of("amd64", "arm64", "s390x"), b.get("architectures")));

    Map<String, Object> actions = yaml("actions.yaml");
    assertEquals(Set.of("push", "images", "rmi", "start", "stop", "catalog", "delete", "garbage-collect", "prune", "usage"), actions.keySet());
    // The previous charm's string parameters with default '' keep it.
    for (String param : List.of("images.options", "images.repository", "push.image", "push.tag", "rmi.options", "rmi.image", "start.name", "stop.name")) {
      String[] at = param.split("\\.");
      Map<String, Object> params = (Map<String, Object>) ((Map<String, Object>) actions.get(at[0])).get("params");
      assertEquals("", ((Map<String, Object>) params.get(at[1])).get("default"), param);
    }
    actions.forEach((name, spec) -> assertEquals(false, ((Map<String, Object>) spec).get("additionalProperties"), name));
    assertEquals(List.of("image"), ((Map<String, Object>) actions.get("push")).get("required"));
    assertEquals(List.of("image"), ((Map<String, Object>) actions.get("rmi")).get("required"));
    Map<String, Object> pushParams = (Map<String, Object>) ((Map<String, Object>) actions.get("push")).get("params");
    assertEquals(true, ((Map<String, Object>) pushParams.get("pull")).get("default"));
    assertEquals("", ((Map<String, Object>) pushParams.get("tag")).get("default"));
    Map<String, Object> stopParams = (Map<String, Object>) ((Map<String, Object>) actions.get("stop")).get("params");
    assertEquals(true, ((Map<String, Object>) stopParams.get("remove")).get("default"));
  }

  @Test
  void legacyHookRunsDispatchWithItsOwnName(@TempDir Path dir) throws Exception {
    Path hooks = Files.createDirectories(dir.resolve("hooks"));
    try (ZipFile zip = ZipFile.builder().setPath(CHARM).get(); InputStream in = zip.getInputStream(zip.getEntry("hooks/config-changed"))) {
      Files.copy(in, hooks.resolve("config-changed"));
    }
    hooks.resolve("config-changed").toFile().setExecutable(true);
    // a stand-in dispatch that reports what it was given
    Files.writeString(dir.resolve("dispatch"), "#!/bin/sh\necho \"$JUJU_DISPATCH_PATH\"\n");
    dir.resolve("dispatch").toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder(hooks.resolve("config-changed").toString()).redirectErrorStream(true);
    pb.environment().remove("JUJU_DISPATCH_PATH");
    Process p = pb.start();
    assertEquals("hooks/config-changed", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    assertEquals(0, p.waitFor());
  }

  @Test
  void dispatchFindsTheNewestJava17OrLaterAndStartsTheCharmForAShortLife(@TempDir Path dir) throws Exception {
    Path charmDir = Files.createDirectories(dir.resolve("charm"));
    try (ZipFile zip = ZipFile.builder().setPath(CHARM).get(); InputStream in = zip.getInputStream(zip.getEntry("dispatch"))) {
      Files.copy(in, charmDir.resolve("dispatch"));
    }
    charmDir.resolve("dispatch").toFile().setExecutable(true);
    assertEquals(Files.readString(Path.of("dispatch")), Files.readString(charmDir.resolve("dispatch")), "DispatchTest tests what is packed");
    Path old = fakeJdk(dir.resolve("jdk-11"), "11.0.20");
    Path current = fakeJdk(dir.resolve("jdk-99"), "99.0.1"); // newer than any on the machine
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("java"), current.resolve("bin/java"));

    ProcessBuilder pb = new ProcessBuilder(charmDir.resolve("dispatch").toString()).directory(charmDir.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(Map.of(
        "JUJU_DISPATCH_PATH", "hooks/install", // a hook that records no class archive
        "JUJU_CHARM_DIR", charmDir.toString(),
        "JAVA_HOME", old.toString(), // too old: skipped
        "PATH", bin + ":/usr/bin:/bin"));
    Process p = pb.start();
    String argv = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), argv);
    List<String> args = List.of(argv.strip().split("\n"));
    assertEquals(current.resolve("bin/java").toString(), args.get(0), "the Java 99 on PATH, not JAVA_HOME's 11");
    assertTrue(args.containsAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")), args.toString());
    assertEquals(charmDir + "/lib/*", args.get(args.indexOf("-cp") + 1));
    assertEquals("charm.Main", args.get(args.size() - 1));
  }

  /** A JDK folder whose java prints its own path and argv, one per line. */
  private static Path fakeJdk(Path home, String version) throws IOException {
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
    Path java = home.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho \"$0\"\nfor a in \"$@\"; do echo \"$a\"; done\n");
    java.toFile().setExecutable(true);
    return home;
  }

  private static Map<String, Object> yaml(String name) throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(CHARM).get(); InputStream in = zip.getInputStream(zip.getEntry(name))) {
      return new Yaml().load(in);
    }
  }
}
