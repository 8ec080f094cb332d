package charm.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real haproxy (Debian's 2.6), configured as the haproxy charm configures itself from the
 * {@code services} YAML a docker-registry leader publishes on the {@code website} relation
 * ({@link HaproxyConfig}), run in the foreground as a child of the test.
 *
 * <p>One deviation from the charm: the frontend binds {@code 127.0.0.1:<free port>} ({@link
 * #port()}), not {@code service_host:service_port}, because the registry port is already taken
 * on this machine by the registries behind it. The YAML (merged, when several units send it) must
 * define exactly one service.
 *
 * <p>{@link #reload} starts a new haproxy with {@code -x <admin socket> -sf <old pid>}: it takes
 * the listening sockets over from the old process, which stops accepting and finishes the
 * requests it has. {@link #close()} stops every haproxy it started and deletes {@code dir}.
 */
final class Haproxy implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/haproxy");
  static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);

  private final Path dir;
  private final int port;
  private final List<Process> processes = new ArrayList<>();
  private HaproxyConfig.Service service;
  private int generation;

  private Haproxy(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Renders the configuration into {@code dir}, checks it and starts haproxy; returns once it serves. */
  static Haproxy start(Path dir, String servicesYaml) {
    return start(dir, List.of(servicesYaml));
  }

  /**
   * As {@link #start(Path, String)}, from the {@code services} of several units in relation
   * order, merged as the haproxy charm merges them ({@link HaproxyConfig#services}).
   */
  static Haproxy start(Path dir, List<String> servicesYamls) {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(BINARY + " is missing: install haproxy (scripts/ensure-env.sh)");
    }
    Haproxy haproxy = new Haproxy(TestFiles.mkdirs(dir.toAbsolutePath()), TestNet.freePort());
    try {
      haproxy.launch(servicesYamls, List.of());
      return haproxy;
    } catch (RuntimeException | Error e) {
      haproxy.close();
      throw e;
    }
  }

  /** The frontend's port on 127.0.0.1. */
  int port() {
    return port;
  }

  /** The configuration haproxy runs with now. */
  String config() {
    try {
      return Files.readString(configFile(generation));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The name of the one backend (the service's name). */
  String backend() {
    return service.name();
  }

  /** A graceful reload with a new {@code services} YAML; returns once the new process serves. */
  void reload(String servicesYaml) {
    reload(List.of(servicesYaml));
  }

  /** A graceful reload with the {@code services} of several units, merged (see {@link #start(Path, List)}). */
  void reload(List<String> servicesYamls) {
    Process old = current();
    launch(servicesYamls, List.of("-x", adminSocket().toString(), "-sf", Long.toString(old.pid())));
  }

  /** The pid of the haproxy that serves now. */
  long pid() {
    return current().pid();
  }

  /** True while the process with this pid (one of ours) has not exited. */
  boolean running(long pid) {
    return processes.stream().anyMatch(p -> p.pid() == pid && p.isAlive());
  }

  /**
   * A server's state from {@code show stat}, with the check progress dropped: {@code UP},
   * {@code DOWN}, {@code MAINT}, {@code NOLB}, {@code no check}; "UP 1/5" (up, one failed
   * check) reads {@code UP}. Fails when the backend has no such server.
   */
  String serverState(String serverName) {
    List<String> rows = Cmd.lines(admin("show stat"));
    if (rows.isEmpty() || !rows.get(0).startsWith("# ")) {
      throw new AssertionError("unexpected show stat answer: " + rows);
    }
    List<String> header = List.of(rows.get(0).substring(2).split(",", -1));
    int status = header.indexOf("status");
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",", -1);
      if (f[0].equals(service.name()) && f[1].equals(serverName)) {
        return f[status].replaceFirst(" \\d+/\\d+$", "");
      }
    }
    throw new AssertionError("no server " + serverName + " in backend " + service.name() + ":\n" + String.join("\n", rows));
  }

  /** haproxy's output so far (its logs go to stdout), for failure messages. */
  String log() {
    StringBuilder s = new StringBuilder();
    for (int g = 0; g <= generation; g++) {
      try {
        s.append(Files.readString(dir.resolve("haproxy-" + g + ".log")));
      } catch (IOException e) {
        s.append("(no log ").append(g).append(")\n");
      }
    }
    return s.toString();
  }

  /** One command on the admin socket; its answer. */
  String admin(String command) {
    long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      channel.connect(UnixDomainSocketAddress.of(adminSocket()));
      channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("haproxy did not answer '" + command + "' within " + ADMIN_TIMEOUT);
        }
        selector.select(left);
        selector.selectedKeys().clear();
        int n = channel.read(buffer.clear());
        if (n < 0) {
          return answer.toString(StandardCharsets.UTF_8);
        }
        answer.write(buffer.array(), 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("haproxy admin socket " + adminSocket() + ": " + e.getMessage(), e);
    }
  }

  private Path adminSocket() {
    return dir.resolve("admin.sock");
  }

  private Path configFile(int g) {
    return dir.resolve("haproxy-" + g + ".cfg");
  }

  private Process current() {
    return processes.get(processes.size() - 1);
  }

  private void launch(List<String> servicesYamls, List<String> extraArgs) {
    List<HaproxyConfig.Service> services = HaproxyConfig.services(servicesYamls);
    if (services.size() != 1) {
      throw new IllegalArgumentException("this fixture serves exactly one service, got " + services.size());
    }
    int next = processes.isEmpty() ? 0 : generation + 1;
    String text = HaproxyConfig.header(adminSocket().toString()) + HaproxyConfig.render(services.get(0), "127.0.0.1:" + port);
    Path config = TestFiles.write(configFile(next), text);
    Cmd.ok(BINARY.toString(), "-c", "-q", "-f", config.toString());
    List<String> argv = new ArrayList<>(List.of(BINARY.toString(), "-db", "-f", config.toString()));
    argv.addAll(extraArgs);
    Process process;
    try {
      process = new ProcessBuilder(argv)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("haproxy-" + next + ".log").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    processes.add(process);
    generation = next;
    service = services.get(0);
    awaitServing(process);
  }

  /** Until the admin socket is answered by {@code process} (so it holds the listeners) and the port accepts. */
  private void awaitServing(Process process) {
    String pidLine = "Pid: " + process.pid();
    Poll.until(START_TIMEOUT, () -> {
      if (!process.isAlive()) {
        throw new AssertionError("haproxy exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        return admin("show info").lines().anyMatch(pidLine::equals) && TestNet.listening("127.0.0.1", port);
      } catch (UncheckedIOException e) {
        return false; // not bound yet
      }
    }, () -> "haproxy " + process.pid() + " does not serve:\n" + log());
  }

  @Override
  public void close() {
    try {
      for (Process p : processes) {
        p.destroy(); // SIGTERM: haproxy's hard stop
      }
      for (Process p : processes) {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      processes.forEach(Process::destroyForcibly);
    } finally {
      TestFiles.deleteTree(dir);
    }
  }
}
