package charm.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A simulated unit's root directory (DOCKER_REGISTRY_ROOT). The charm reaches the Docker engine
 * through {@code <root>/var/run/docker.sock}, which links to the real socket.
 */
final class UnitRoot {
  static final Path ENGINE = Path.of("/var/run/docker.sock");

  private UnitRoot() {}

  static Path create(Path root) throws IOException {
    Files.createDirectories(root);
    connectEngine(root);
    return root;
  }

  static void connectEngine(Path root) throws IOException {
    Path link = root.resolve("var/run/docker.sock");
    Files.createDirectories(link.getParent());
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, ENGINE);
  }

  static void disconnectEngine(Path root) throws IOException {
    Files.deleteIfExists(root.resolve("var/run/docker.sock"));
  }
}
