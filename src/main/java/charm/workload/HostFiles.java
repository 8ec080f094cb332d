package charm.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The file seam. Every absolute path the charm uses is resolved under {@link #root()} ({@code /} on
 * a unit, a temporary folder in tests). Writes are atomic (temp file in the same folder, then a
 * rename) and happen only when the content or mode differs, so a second identical hook changes no
 * mtime.
 */
public final class HostFiles {
  private final Path root;

  public HostFiles(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** Resolves an absolute unit path such as {@code /etc/docker/registry/config.yml}. */
  public Path resolve(String absolutePath) {
    return root.resolve(absolutePath.replaceFirst("^/+", ""));
  }

  /** The file's bytes, or empty when it does not exist. */
  public Optional<byte[]> read(String absolutePath) {
    try {
      return Optional.of(Files.readAllBytes(resolve(absolutePath)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes the file hold exactly {@code content} with {@code mode} (e.g. {@code rw-------}).
   *
   * @return whether anything was written
   */
  public boolean ensure(String absolutePath, byte[] content, String mode) {
    Path target = resolve(absolutePath);
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
    try {
      if (Files.exists(target)
          && Arrays.equals(Files.readAllBytes(target), content)
          && Files.getPosixFilePermissions(target).equals(perms)) {
        return false;
      }
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, perms);
        Files.write(tmp, content);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates a directory (and parents) with the given mode when missing. */
  public void ensureDirectory(String absolutePath, String mode) {
    Path dir = resolve(absolutePath);
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the file when it exists; returns whether it existed. */
  public boolean delete(String absolutePath) {
    try {
      return Files.deleteIfExists(resolve(absolutePath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
