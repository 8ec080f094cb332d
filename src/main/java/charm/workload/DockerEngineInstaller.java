package charm.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Installs Debian/Ubuntu's docker.io when the unit has no Docker engine socket. */
public final class DockerEngineInstaller {
  private final Path socket;

  public DockerEngineInstaller(Path socket) {
    this.socket = socket;
  }

  public boolean engineInstalled() {
    return Files.exists(socket);
  }

  /** apt-get install docker.io; returns an error text, or null on success. */
  public String install() {
    for (List<String> command :
        List.of(
            List.of("apt-get", "update", "-q"),
            List.of("apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"))) {
      try {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          String[] lines = output.strip().split("\n");
          return String.join(" ", command) + " failed: " + lines[lines.length - 1];
        }
      } catch (IOException e) {
        return String.join(" ", command) + " failed: " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return null;
  }
}
