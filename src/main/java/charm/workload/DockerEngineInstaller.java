package charm.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs Debian/Ubuntu's docker.io when the unit has no Docker engine socket. Each command has
 * a deadline: apt has its own network timeouts, so one that runs past {@link #DEADLINE} is stuck;
 * it is sent SIGTERM (SIGKILL after 10 s) and the install hook fails, to be retried by Juju.
 */
public final class DockerEngineInstaller {
  /** For each apt-get command. */
  static final Duration DEADLINE = Duration.ofMinutes(15);

  private static final List<List<String>> APT =
      List.of(
          List.of("apt-get", "update", "-q"),
          List.of("apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"));

  private final Path socket;
  private final List<List<String>> commands;
  private final Duration deadline;

  public DockerEngineInstaller(Path socket) {
    this(socket, APT, DEADLINE);
  }

  /** For tests: other commands, another deadline. */
  DockerEngineInstaller(Path socket, List<List<String>> commands, Duration deadline) {
    this.socket = socket;
    this.commands = commands;
    this.deadline = deadline;
  }

  public boolean engineInstalled() {
    return Files.exists(socket);
  }

  /** apt-get install docker.io; returns an error text, or null on success. */
  public String install() {
    for (List<String> command : commands) {
      String error = run(command);
      if (error != null) {
        return String.join(" ", command) + " " + error;
      }
    }
    return null;
  }

  /** Runs one command with its output in a temporary file; an error text, or null. */
  private String run(List<String> command) {
    Path output = null;
    try {
      output = Files.createTempFile("docker-install-", ".log");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = pb.start();
      if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        return "did not finish within " + EngineUnavailable.seconds(deadline) + " and was killed";
      }
      if (p.exitValue() != 0) {
        String[] lines = Files.readString(output, StandardCharsets.UTF_8).strip().split("\n");
        return "failed: " + lines[lines.length - 1];
      }
      return null;
    } catch (IOException e) {
      return "failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // a log file in the temp directory
        }
      }
    }
  }

  /** SIGTERM (apt and dpkg clean up on it), SIGKILL to whatever is left 10 s later. */
  private static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> descendants = p.descendants().toList();
    p.destroy();
    descendants.forEach(ProcessHandle::destroy);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }
}
