package charm.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The registry binary ({@code /usr/bin/docker-registry}, the same as in the image) run as a plain
 * process with a given config.yml: fast fixture tests without containers. It listens on all
 * addresses on a free port, set with {@code REGISTRY_HTTP_ADDR} so the config text needs no
 * {@code http.addr}; no {@code AWS_*} or {@code REGISTRY_*} variable of this environment reaches
 * it. The process owns {@code dir} (config, log and whatever storage the config puts there);
 * {@link #close()} stops it and deletes the directory.
 */
final class RegistryProcess implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final int port;
  private final Process process;

  private RegistryProcess(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * The start of a config.yml: filesystem storage under {@code storage}, deletes allowed. Append
   * top-level sections ({@code http:} with tls, {@code auth:}) as text.
   */
  static String baseConfig(Path storage) {
    return "version: 0.1\n"
        + "log:\n  level: info\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n  delete:\n    enabled: true\n";
  }

  /** Writes {@code configYml} to {@code dir/config.yml}, starts the registry and waits until it listens. */
  static RegistryProcess start(Path dir, String configYml) {
    return start(dir, configYml, java.util.Map.of());
  }

  /**
   * As {@link #start(Path, String)}, with {@code env} added to the registry's environment; no
   * proxy variable of this environment reaches it either.
   */
  static RegistryProcess start(Path dir, String configYml, java.util.Map<String, String> env) {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(BINARY + " is missing: install docker-registry (scripts/ensure-env.sh)");
    }
    Path config = TestFiles.write(dir.resolve("config.yml"), configYml);
    int port = TestNet.freePort();
    ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("registry.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("REGISTRY_")
        || name.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
    pb.environment().putAll(env);
    pb.environment().put("REGISTRY_HTTP_ADDR", ":" + port);
    RegistryProcess registry;
    try {
      registry = new RegistryProcess(dir, port, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      TestNet.awaitListening("127.0.0.1", port, registry.process, START_TIMEOUT,
          () -> "registry (log:\n" + registry.log() + ")");
      return registry;
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
  }

  int port() {
    return port;
  }

  /** {@code host:port} of this registry. */
  String netloc(String host) {
    return host + ":" + port;
  }

  /** The registry's output so far, for failure messages. */
  String log() {
    try {
      return Files.readString(dir.resolve("registry.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      TestFiles.deleteTree(dir);
    }
  }
}
