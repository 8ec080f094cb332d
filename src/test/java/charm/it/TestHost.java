package charm.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A second "machine" with its own Docker engine, for tests with two units: a network namespace
 * {@code it-host-<id>} joined to the root namespace by a veth pair on a private /30 (root side
 * {@code .1}, this host {@code .2}, named {@code eth0} inside), and a second {@code dockerd}
 * (with its own managed containerd) running inside it. Containers of this engine publish ports on
 * {@link #address()}, so they can use the same host port as the main engine's containers.
 *
 * <p>Everything lives under {@code dir}: data root, exec root, pid file, {@code docker.sock},
 * {@code daemon.json} (empty; not the machine's {@code /etc/docker/daemon.json}) and
 * {@code dockerd.log}. {@code dockerd} runs through {@code ip netns exec}, which gives it a
 * private (slave) mount namespace, so none of its mounts show in the root namespace; and its
 * iptables rules live in the namespace's own tables. The root namespace gets only the veth and a
 * route to the /30; no iptables rule: containers' traffic has a default route out, but the root
 * namespace's FORWARD policy (set by the main engine) still decides whether it goes further.
 *
 * <p>{@link #close()} removes the containers, stops the engine, kills whatever is left in the
 * namespace, deletes the veth, the namespace and {@code dir}, and fails when any trace remains.
 */
final class TestHost implements AutoCloseable {
  static final String IMAGE = "registry:2";
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  /** Serialises subnet choice between test JVMs: pick, then assign, under one lock. */
  static final Path SUBNET_LOCK = Path.of(System.getProperty("java.io.tmpdir"), "charm-it-testhost.lock");
  /** sun_path holds 108 bytes; containerd puts {@code containerd.sock.ttrpc} under the exec root. */
  static final int MAX_SOCKET_PATH = 107;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern IPV4_PREFIX = Pattern.compile("^(\\d+\\.\\d+\\.\\d+\\.\\d+)(?:/(\\d+))?$");

  private final String id;
  private final Path dir;
  private final int subnet; // network address of the /30, as an int
  /** Containers the engine had when {@link #close()} began: their processes and cgroups must go too. */
  private final Set<String> closingContainers = new HashSet<>();
  private Process dockerd;

  private TestHost(String id, Path dir, int subnet) {
    this.id = id;
    this.dir = dir;
    this.subnet = subnet;
  }

  /**
   * Creates the namespace and veth, starts {@code dockerd} in it and loads {@link #IMAGE} from the
   * main engine. {@code dir} must not exist or be empty; it becomes this host's.
   */
  static TestHost start(Path dir) {
    dir = dir.toAbsolutePath();
    Path ttrpc = dir.resolve("exec/containerd/containerd.sock.ttrpc");
    if (ttrpc.toString().length() > MAX_SOCKET_PATH) {
      throw new IllegalArgumentException("path too long for unix sockets under it: " + dir);
    }
    TestFiles.mkdirs(dir);
    TestHost host = null;
    try {
      try (FileChannel lockFile = FileChannel.open(SUBNET_LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = lockFile.lock(); // released when the channel closes
        host = new TestHost(hex(4), dir, freeSubnet());
        host.createNetwork();
        lock.release();
      }
      host.startEngine();
      host.load(IMAGE);
      return host;
    } catch (IOException e) {
      UncheckedIOException failure = new UncheckedIOException(e);
      abandon(host, dir, failure);
      throw failure;
    } catch (RuntimeException | Error e) {
      abandon(host, dir, e);
      throw e;
    }
  }

  /** Undoes a start that failed; a failure of the clean-up is added to {@code failure} as suppressed. */
  private static void abandon(TestHost host, Path dir, Throwable failure) {
    try {
      if (host != null) {
        host.close();
      } else {
        TestFiles.deleteTree(dir);
      }
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
  }

  /** This host's IPv4 address, reachable from the root namespace. */
  String address() {
    return ipv4(subnet + 2);
  }

  /** The root namespace's end of the veth: this host's default gateway. */
  String gateway() {
    return ipv4(subnet + 1);
  }

  /** The engine's API socket; a simulated unit's {@code <root>/var/run/docker.sock} may link to it. */
  Path socket() {
    return dir.resolve("docker.sock");
  }

  /** The engine's pid file. */
  Path pidFile() {
    return dir.resolve("docker.pid");
  }

  /** The engine's daemon.json ({@code --config-file}; dockerd re-reads it on SIGHUP). */
  Path configFile() {
    return dir.resolve("daemon.json");
  }

  /**
   * Points a simulated unit's root at this engine: {@code <root>/var/run/docker.sock} becomes a
   * link to {@link #socket()} (replacing a link to the main engine, see {@link UnitRoot}).
   */
  void connect(Path unitRoot) {
    try {
      Path link = unitRoot.resolve("var/run/docker.sock");
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, socket());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The network namespace's name ({@code ip netns exec <name> ...}). */
  String namespace() {
    return "it-host-" + id;
  }

  /** The docker CLI against this engine. */
  Cmd docker(String... args) {
    List<String> argv = new ArrayList<>(List.of("docker", "-H", "unix://" + socket()));
    argv.addAll(List.of(args));
    return Cmd.run(argv.toArray(String[]::new));
  }

  /** {@link #docker} that fails the test unless it exits 0; returns the output. */
  String dockerOk(String... args) {
    Cmd c = docker(args);
    if (c.exitCode() != 0) {
      throw new AssertionError("docker (" + namespace() + ") " + String.join(" ", args) + " exited " + c.exitCode() + ":\n" + c.output());
    }
    return c.output();
  }

  /** Copies an image from the main engine into this one. */
  void load(String image) {
    Cmd.ok("bash", "-c", "set -o pipefail; docker save \"$1\" | docker -H \"unix://$2\" load -q", "load", image, socket().toString());
  }

  /** The engine's log so far, for failure messages. */
  String log() {
    try {
      return Files.readString(dir.resolve("dockerd.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  // ---- network --------------------------------------------------------------------------------

  private String vethName() {
    return "ith-" + id;
  }

  private void createNetwork() {
    String ns = namespace();
    Cmd.ok("ip", "netns", "add", ns);
    Cmd.ok("ip", "link", "add", vethName(), "type", "veth", "peer", "name", "eth0", "netns", ns);
    Cmd.ok("ip", "addr", "add", gateway() + "/30", "dev", vethName());
    Cmd.ok("ip", "link", "set", vethName(), "up");
    Cmd.ok("ip", "-n", ns, "link", "set", "lo", "up");
    Cmd.ok("ip", "-n", ns, "addr", "add", address() + "/30", "dev", "eth0");
    Cmd.ok("ip", "-n", ns, "link", "set", "eth0", "up");
    Cmd.ok("ip", "-n", ns, "route", "add", "default", "via", gateway());
  }

  /**
   * A random 10.x.y.z/30 that overlaps no address or route of the root namespace (any table).
   * Called under {@link #SUBNET_LOCK}, so two test JVMs never pick the same one.
   */
  private static int freeSubnet() {
    List<int[]> used = new ArrayList<>();
    String text = Cmd.ok("ip", "-4", "-o", "addr", "show") + Cmd.ok("ip", "-4", "route", "show", "table", "all");
    for (String token : text.split("\\s+")) {
      Matcher m = IPV4_PREFIX.matcher(token);
      if (m.matches()) {
        int len = m.group(2) == null ? 32 : Integer.parseInt(m.group(2));
        used.add(new int[] {parseIpv4(m.group(1)), len});
      }
    }
    for (int attempt = 0; attempt < 1000; attempt++) {
      // 10.100.0.0 - 10.249.255.252: clear of the low 10.x ranges people usually pick by hand.
      int candidate = (10 << 24) | ((100 + RANDOM.nextInt(150)) << 16) | (RANDOM.nextInt(256) << 8) | (RANDOM.nextInt(64) << 2);
      if (used.stream().noneMatch(u -> overlaps(candidate, 30, u[0], u[1]))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no free 10.x /30 found");
  }

  private static boolean overlaps(int a, int aLen, int b, int bLen) {
    int len = Math.min(aLen, bLen);
    int mask = len == 0 ? 0 : -1 << (32 - len);
    return (a & mask) == (b & mask);
  }

  private static int parseIpv4(String text) {
    int value = 0;
    for (String part : text.split("\\.")) {
      value = (value << 8) | Integer.parseInt(part);
    }
    return value;
  }

  private static String ipv4(int value) {
    return ((value >>> 24) & 255) + "." + ((value >>> 16) & 255) + "." + ((value >>> 8) & 255) + "." + (value & 255);
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }

  // ---- engine ---------------------------------------------------------------------------------

  private void startEngine() {
    TestFiles.write(configFile(), "{}\n");
    Path script = TestFiles.write(dir.resolve("engine.sh"), engineScript());
    ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", namespace(), "/bin/sh", script.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("dockerd.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(name -> name.startsWith("DOCKER_"));
    try {
      dockerd = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (docker("version", "--format", "{{.Server.Version}}").exitCode() != 0) {
      if (!dockerd.isAlive()) {
        throw new AssertionError("dockerd in " + namespace() + " exited with " + dockerd.exitValue() + ":\n" + log());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("dockerd in " + namespace() + " does not answer after " + START_TIMEOUT + ":\n" + log());
      }
      waitFor(dockerd, 50);
    }
  }

  /**
   * {@code ip netns exec} remounts {@code /sys} for the namespace, which drops the cgroup
   * hierarchies mounted below it; dockerd and runc need them. The script mounts the same
   * hierarchies again (mounting an existing hierarchy attaches to it, it creates nothing), in
   * the private mount namespace only, then becomes dockerd.
   */
  private String engineScript() {
    StringBuilder s = new StringBuilder("#!/bin/sh\nset -e\n");
    for (String[] mount : sysMounts()) {
      s.append("mkdir -p '").append(mount[1]).append("'\n");
      s.append("mount -t ").append(mount[0]).append(mount[2].isEmpty() ? "" : " -o " + mount[2]).append(' ').append(mount[0]).append(" '").append(mount[1]).append("'\n");
    }
    s.append("exec dockerd")
        .append(" --config-file '").append(configFile()).append('\'')
        .append(" --data-root '").append(dir.resolve("data")).append('\'')
        .append(" --exec-root '").append(dir.resolve("exec")).append('\'')
        .append(" --pidfile '").append(pidFile()).append('\'')
        .append(" -H 'unix://").append(socket()).append("'\n");
    return s.toString();
  }

  /** The cgroup mounts (and the tmpfs holding cgroup v1 ones) and securityfs under /sys: {type, path, options}. */
  private static List<String[]> sysMounts() {
    Set<String> controllers = new HashSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cgroups"))) {
        if (!line.startsWith("#") && !line.isBlank()) {
          controllers.add(line.split("\\s+")[0]);
        }
      }
      List<String[]> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ", 2);
        String point = halves[0].split(" ")[4];
        String[] tail = halves[1].split(" ");
        String type = tail[0];
        List<String> options = new ArrayList<>(List.of(tail[2].split(",")));
        options.removeIf(o -> o.equals("rw") || o.equals("ro"));
        if (point.equals("/sys/fs/cgroup") && type.equals("tmpfs")) {
          mounts.add(new String[] {"tmpfs", point, "mode=755"});
        } else if (point.startsWith("/sys/fs/cgroup") && type.equals("cgroup2")) {
          mounts.add(new String[] {"cgroup2", point, ""});
        } else if (point.startsWith("/sys/fs/cgroup/") && type.equals("cgroup")) {
          if (options.stream().noneMatch(controllers::contains) && !options.contains("none")) {
            options.add(0, "none"); // a named hierarchy without controllers, e.g. name=systemd
          }
          mounts.add(new String[] {"cgroup", point, String.join(",", options)});
        } else if (point.equals("/sys/kernel/security") && type.equals("securityfs")) {
          mounts.add(new String[] {"securityfs", point, ""});
        }
      }
      return mounts;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void waitFor(Process process, long millis) {
    try {
      process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- teardown -------------------------------------------------------------------------------

  @Override
  public void close() {
    List<Throwable> problems = new ArrayList<>();
    closingContainers.addAll(containerIds());
    step(problems, this::removeContainers);
    step(problems, this::stopEngine);
    step(problems, this::killLeftoverProcesses);
    step(problems, this::removeContainerCgroups);
    step(problems, () -> {
      if (Cmd.run("ip", "link", "show", vethName()).exitCode() == 0) {
        Cmd.ok("ip", "link", "del", vethName()); // deletes both ends
      }
      if (Files.exists(Path.of("/run/netns", namespace()))) {
        Cmd.ok("ip", "netns", "del", namespace());
      }
    });
    step(problems, () -> {
      if (mounts().isEmpty()) { // never delete through a mount
        Cmd.ok("rm", "-rf", "--one-file-system", dir.toString());
      }
    });
    List<String> left = leftovers();
    if (!problems.isEmpty() || !left.isEmpty()) {
      AssertionError e = new AssertionError("TestHost " + namespace() + " left " + left);
      problems.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static void step(List<Throwable> problems, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException | Error e) {
      problems.add(e);
    }
  }

  /** Removing containers first makes the engine's shutdown quick (no 10 s stop timeouts). */
  private void removeContainers() {
    if (dockerd == null || !dockerd.isAlive()) {
      return;
    }
    Cmd ps = docker("ps", "-aq");
    List<String> ids = ps.exitCode() == 0 ? Cmd.lines(ps.output()) : List.of();
    if (!ids.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("rm", "-f"));
      args.addAll(ids);
      dockerOk(args.toArray(String[]::new));
    }
  }

  /** SIGTERM to dockerd (it stops its containerd); SIGKILL after {@link #STOP_TIMEOUT}. */
  private void stopEngine() {
    if (dockerd == null) {
      return;
    }
    dockerd.destroy();
    waitFor(dockerd, STOP_TIMEOUT.toMillis());
    if (dockerd.isAlive()) {
      dockerd.destroyForcibly();
      waitFor(dockerd, STOP_TIMEOUT.toMillis());
    }
  }

  /** SIGKILL to what is still running in the namespace or in one of this engine's containers. */
  private void killLeftoverProcesses() {
    List<ProcessHandle> left = ourProcesses();
    left.forEach(ProcessHandle::destroyForcibly);
    Poll.until(STOP_TIMEOUT, () -> left.stream().noneMatch(ProcessHandle::isAlive), () -> "processes of " + namespace() + " still alive: " + left);
  }

  /**
   * runc removes a container's cgroups when the container stops; after a crash of the engine
   * (the processes killed above) the empty cgroups stay, on the main engine's parent.
   */
  private void removeContainerCgroups() {
    for (Path cgroup : containerCgroups()) {
      Poll.until(STOP_TIMEOUT, () -> {
        try {
          Files.deleteIfExists(cgroup); // rmdir; refused while a process is still leaving it
          return true;
        } catch (IOException e) {
          return false;
        }
      }, () -> "cannot remove cgroup " + cgroup);
    }
  }

  /** Cgroup directories of this engine's containers (cgroupfs and systemd drivers, v1 and v2). */
  private List<Path> containerCgroups() {
    Set<String> ids = new HashSet<>(closingContainers);
    ids.addAll(containerIds());
    List<Path> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String type = line.split(" - ", 2)[1].split(" ")[0];
        if (type.equals("cgroup") || type.equals("cgroup2")) {
          Path point = Path.of(line.split(" ")[4]);
          for (String id : ids) {
            for (Path candidate : List.of(point.resolve("docker").resolve(id), point.resolve("system.slice/docker-" + id + ".scope"))) {
              if (Files.isDirectory(candidate)) {
                found.add(candidate);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /**
   * Processes of this host: those in its network namespace (dockerd, containerd, shims,
   * docker-proxy) and those in the cgroups of its containers (the containers have namespaces of
   * their own), plus any whose command line names {@code dir}.
   */
  private List<ProcessHandle> ourProcesses() {
    String netns = netnsInode();
    Set<String> containerIds = new HashSet<>(closingContainers);
    containerIds.addAll(containerIds());
    List<ProcessHandle> ours = new ArrayList<>();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      for (ProcessHandle p : all.toList()) {
        if (p.pid() == ProcessHandle.current().pid()) {
          continue;
        }
        Path proc = Path.of("/proc", Long.toString(p.pid()));
        String net = readLink(proc.resolve("ns/net"));
        String cgroup = read(proc.resolve("cgroup"));
        String cmdline = read(proc.resolve("cmdline")).replace('\0', ' ');
        boolean inNamespace = netns != null && net.equals("net:[" + netns + "]");
        boolean inContainer = containerIds.stream().anyMatch(cgroup::contains);
        if (inNamespace || inContainer || cmdline.contains(dir.toString())) {
          ours.add(p);
        }
      }
    }
    return ours;
  }

  private String netnsInode() {
    try {
      return Files.getAttribute(Path.of("/run/netns", namespace()), "unix:ino").toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** The engine's containers as its data root records them (also when the engine is down). */
  private Set<String> containerIds() {
    Path containers = dir.resolve("data/containers");
    Set<String> ids = new HashSet<>();
    if (Files.isDirectory(containers)) {
      try (Stream<Path> list = Files.list(containers)) {
        list.map(p -> p.getFileName().toString()).filter(n -> n.length() == 64).forEach(ids::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ids;
  }

  /** Mount points in the root namespace under {@code dir} or naming this host's namespace. */
  private List<String> mounts() {
    List<String> found = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String point = line.split(" ")[4];
        if (point.startsWith(dir.toString()) || point.contains(namespace())) {
          found.add(point);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /**
   * What of this host still exists in the root namespace: the network namespace, the veth, a
   * route or iptables rule naming them, processes, mounts, containers' cgroups, the directory. Empty after
   * {@link #close()}.
   */
  List<String> leftovers() {
    List<String> left = new ArrayList<>();
    if (Files.exists(Path.of("/run/netns", namespace()))) {
      left.add("netns " + namespace());
    }
    if (Cmd.run("ip", "link", "show", vethName()).exitCode() == 0) {
      left.add("link " + vethName());
    }
    String subnetText = ipv4(subnet) + "/30";
    for (String route : Cmd.lines(Cmd.ok("ip", "-4", "route", "show", "table", "all"))) {
      if (route.contains(vethName()) || route.contains(subnetText)) {
        left.add("route " + route);
      }
    }
    for (String rule : Cmd.lines(Cmd.ok("iptables-save"))) {
      if (rule.contains(vethName()) || rule.contains(subnetText) || rule.contains(address())) {
        left.add("iptables " + rule);
      }
    }
    ourProcesses().forEach(p -> left.add("process " + p.pid() + " " + p.info().commandLine().orElse("?")));
    mounts().forEach(m -> left.add("mount " + m));
    containerCgroups().forEach(c -> left.add("cgroup " + c));
    if (Files.exists(dir)) {
      left.add("dir " + dir);
    }
    return left;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | UncheckedIOException e) {
      return ""; // the process is gone, or not ours to read
    }
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public String toString() {
    return "TestHost[" + namespace() + " " + address() + " " + dir + "]";
  }
}
