package charm.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server a test starts as a child process (s3proxy, a Swift server, redis, memcached): output to
 * a log file, stdin from /dev/null, no proxy or {@code AWS_*} variable of this environment.
 * {@link #stop()} ends it by its own pid: SIGTERM, SIGKILL after 10 s.
 */
final class Daemon {
  private final String name;
  private final Path log;
  private final Process process;

  private Daemon(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  /** Starts {@code argv} with {@code env} added; {@code name} appears in failure messages. */
  static Daemon start(String name, Path log, Map<String, String> env, List<String> argv) {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
    pb.environment().putAll(env);
    try {
      return new Daemon(name, log, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  Process process() {
    return process;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Polls until it listens on {@code host:port}; fails early if it exits, and stops it when it fails. */
  Daemon awaitListening(String host, int port) {
    try {
      TestNet.awaitListening(host, port, process, java.time.Duration.ofSeconds(30), () -> name + " (log:\n" + log() + ")");
      return this;
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
  }

  /** The log so far, for failure messages (the last 4000 characters). */
  String log() {
    try {
      String text = Files.readString(log);
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then SIGKILL after 10 s; returns once the process is gone. */
  void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
