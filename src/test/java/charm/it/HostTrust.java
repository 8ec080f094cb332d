package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the real Docker daemon (and skopeo, which reads the same place) trust a registry: copies
 * {@code ca.crt}, {@code client.cert} and {@code client.key} from a directory (a simulated unit's
 * {@code <root>/etc/docker/certs.d/<netloc>/}) into the real {@code /etc/docker/certs.d/<netloc>/}.
 * dockerd reads that directory at every connection; no restart is needed. {@link #close()} removes
 * exactly that directory. Use a non-loopback netloc ({@link TestNet#hostAddress()}): for
 * 127.0.0.0/8 dockerd skips verification, so trust would prove nothing.
 */
final class HostTrust implements AutoCloseable {
  static final Path CERTS_D = Path.of("/etc/docker/certs.d");
  static final List<String> FILES = List.of("ca.crt", "client.cert", "client.key");

  private final Path dir;

  private HostTrust(Path dir) {
    this.dir = dir;
  }

  /**
   * Copies those of {@link #FILES} that exist in {@code sourceDir}; at least one must. Refuses
   * when {@code /etc/docker/certs.d/<netloc>} exists already, since it is somebody else's.
   */
  static HostTrust install(String netloc, Path sourceDir) {
    Path dir = CERTS_D.resolve(netloc);
    if (!dir.getParent().equals(CERTS_D) || netloc.contains("..")) {
      throw new IllegalArgumentException("not a host:port: " + netloc);
    }
    if (Files.exists(dir)) {
      throw new IllegalStateException(dir + " exists already; it is not ours to replace");
    }
    List<Path> sources = new ArrayList<>();
    for (String name : FILES) {
      if (Files.isRegularFile(sourceDir.resolve(name))) {
        sources.add(sourceDir.resolve(name));
      }
    }
    if (sources.isEmpty()) {
      throw new IllegalArgumentException(sourceDir + " has none of " + FILES);
    }
    HostTrust trust = new HostTrust(dir);
    try {
      Files.createDirectories(dir);
      for (Path source : sources) {
        Files.copy(source, dir.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      return trust;
    } catch (IOException e) {
      trust.close(); // half a trust directory would mislead the next test
      throw new UncheckedIOException(e);
    }
  }

  /** The real directory dockerd reads. */
  Path dir() {
    return dir;
  }

  @Override
  public void close() {
    TestFiles.deleteTree(dir);
  }
}
