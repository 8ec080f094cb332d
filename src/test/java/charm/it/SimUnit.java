package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Model;
import jujusim.Sim;
import jujusim.SimOptions;

/**
 * One simulated model with one unit of the packed charm, with its own unit root, container name
 * and registry port, so that tests (and {@code scripts/local-unit}) sharing the engine never
 * touch each other's registries. {@link #close()} removes what it created.
 */
final class SimUnit implements AutoCloseable {
  static final String UNIT = "docker-registry/0";

  final Path work;
  final Path root;
  final Sim sim;
  final String name;
  final int port;

  private SimUnit(Path work, Path root, Sim sim, String name, int port) {
    this.work = work;
    this.root = root;
    this.sim = sim;
    this.name = name;
    this.port = port;
  }

  /** A new model (its own UUID) and unit; {@code before} may adjust the model before deploy. */
  static SimUnit deploy(String prefix, java.util.function.Consumer<Model> before) {
    try {
      Path work = Files.createTempDirectory(prefix);
      Path root = UnitRoot.create(work.resolve("root"));
      String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
      int port = RegistryCharmIT.freePort();
      Sim sim = Sim.create(work.resolve("sim"), RegistryCharmIT.CHARM, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
      sim.model().config.put("registry-name", name);
      sim.model().config.put("registry-port", port);
      before.accept(sim.model());
      SimUnit unit = new SimUnit(work, root, sim, name, port);
      sim.deploy(1).forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
      return unit;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SimUnit deploy(String prefix) {
    return deploy(prefix, m -> {});
  }

  String netloc() {
    return "127.0.0.1:" + port;
  }

  Model.StatusInfo status() {
    return sim.unitStatus(UNIT);
  }

  /** Sets options (config-changed); every hook must exit 0. */
  List<HookResult> config(Map<String, Object> set, Collection<String> reset) {
    List<HookResult> hooks = sim.config(set, reset);
    hooks.forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    return hooks;
  }

  HookResult hook(String name) {
    HookResult h = sim.hook(UNIT, name);
    assertEquals(0, h.exitCode(), h + "\n" + h.stderr());
    return h;
  }

  /**
   * From now on every hook tool runs through a wrapper that notes its name, then runs the
   * simulator's tool; {@link #hookTools} returns those names for one hook.
   */
  void countHookTools() throws IOException {
    Path tools = sim.unitDir(UNIT).resolve("tools");
    Path counting = Files.createDirectories(work.resolve("counting"));
    try (java.util.stream.Stream<Path> names = Files.list(tools)) {
      for (Path tool : names.toList()) {
        Path wrapper = counting.resolve(tool.getFileName());
        Files.writeString(wrapper, "#!/bin/sh\necho " + tool.getFileName() + " >> " + calls() + "\nexec " + tool + " \"$@\"\n");
        if (!wrapper.toFile().setExecutable(true)) {
          throw new IOException("cannot make " + wrapper + " executable");
        }
      }
    }
    sim.model().env.put("PATH", counting + ":" + tools + ":/usr/local/bin:/usr/bin:/bin");
  }

  /** Runs a hook (which must exit 0); returns the hook tools it ran, in order (see {@link #countHookTools}). */
  List<String> hookTools(String name) throws IOException {
    Files.deleteIfExists(calls());
    hook(name);
    return Files.exists(calls()) ? Files.readAllLines(calls()) : List.of();
  }

  private Path calls() {
    return work.resolve("calls.log");
  }

  void assertActive() {
    assertEquals("active", status().status, status().message);
  }

  /** {@code <id> <start time>} of a container, or "" when there is none. */
  static String idAndStart(String container) {
    Cmd c = Cmd.run("docker", "inspect", "-f", "{{.Id}} {{.State.StartedAt}}", container);
    return c.exitCode() == 0 ? c.output().trim() : "";
  }

  /**
   * Everything an operator can see of this unit: its log lines, every status it set and the
   * container's {@code docker inspect}; for scans that no secret leaked.
   */
  List<String> observableText() {
    List<String> seen = new java.util.ArrayList<>();
    sim.logs(UNIT).forEach(l -> seen.add(l.message));
    sim.statusHistory(UNIT).forEach(s -> seen.add(s.message));
    seen.add(Cmd.run("docker", "inspect", name).output());
    return seen;
  }

  Path configFile() {
    return root.resolve("etc/docker/registry/config.yml");
  }

  @Override
  public void close() {
    try {
      destroyAndCheck(sim, root);
    } finally {
      removeLeftovers(name, work);
    }
  }

  /**
   * Closes {@code cleanup} last first, every one of them even when one fails; then throws the
   * first failure (the others suppressed into it), so a failed teardown check leaks nothing.
   */
  static void closeAll(List<AutoCloseable> cleanup) throws Exception {
    Exception first = null;
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception | AssertionError e) {
        Exception wrapped = e instanceof Exception ex ? ex : new Exception(e);
        if (first == null) {
          first = wrapped;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    cleanup.clear();
    if (first != null) {
      throw first;
    }
  }

  /**
   * Removes every unit of the model ({@code juju remove-application}: stop, then remove) and
   * checks what an operator relies on: each of those hooks exits 0, no container of the model is
   * left on the engine, and the unit's Docker engine trusts none of its registries any more (no
   * {@code certs.d} directory, no {@code insecure-registries} entry of the unit). The data and
   * config.yml stay, as documented. Call it before any forced clean-up, which would hide a leftover.
   */
  static void destroyAndCheck(Sim sim, Path root) {
    if (sim.units().isEmpty()) {
      return; // destroyed (and checked) already
    }
    String model = sim.model().modelUuid;
    List<String> netlocs = new java.util.ArrayList<>();
    sim.units().forEach(u -> {
      String trusted = sim.unitState(u).get("trusted-netloc");
      if (trusted != null) {
        netlocs.add(trusted);
      }
    });
    List<HookResult> hooks = sim.destroy();
    hooks.stream().filter(h -> h.hook().equals("stop") || h.hook().equals("remove"))
        .forEach(h -> assertEquals(0, h.exitCode(), h + "\n" + h.stderr()));
    org.junit.jupiter.api.Assertions.assertTrue(hooks.stream().anyMatch(h -> h.hook().equals("remove") && h.ran()),
        "the remove hook ran: " + hooks);
    assertEquals("", Cmd.ok("docker", "ps", "-a", "--filter", "label=" + charm.registry.Owner.MODEL_LABEL + "=" + model,
        "--format", "{{.Names}}").trim(), "containers of the model left after remove");
    Path certsD = root.resolve("etc/docker/certs.d");
    if (Files.isDirectory(certsD)) {
      try (java.util.stream.Stream<Path> left = Files.list(certsD)) {
        assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList(), "certs.d directories left after remove");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path daemonJson = root.resolve("etc/docker/daemon.json");
    if (Files.isRegularFile(daemonJson) && !netlocs.isEmpty()) {
      try {
        String text = Files.readString(daemonJson);
        netlocs.forEach(n -> org.junit.jupiter.api.Assertions.assertFalse(text.contains("\"" + n + "\""),
            "daemon.json still trusts " + n + " after remove: " + text));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Whatever a test unit left (it should have left nothing): containers named {@code name*}, and {@code work}. */
  static void removeLeftovers(String name, Path work) {
    for (String line : Cmd.lines(Cmd.run("docker", "ps", "-a", "--format", "{{.Names}}").output())) {
      if (line.startsWith(name)) {
        Cmd.run("docker", "rm", "-f", line);
      }
    }
    Cmd.run("rm", "-rf", work.toString());
  }
}
