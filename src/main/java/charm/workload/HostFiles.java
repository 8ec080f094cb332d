package charm.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * rename) and happen only when the content differs; a wrong mode alone is fixed with a chmod, so a
 * second identical hook changes no mtime.
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
   * A directory (with something in it) stands where the charm keeps a file. Docker creates one
   * when a bind-mount source is missing; the charm never deletes a directory that is not empty.
   */
  public static final class NotAFile extends RuntimeException {
    private final String path;

    NotAFile(String path) {
      super(path + " is a directory, not a file");
      this.path = path;
    }

    /** The unit path, e.g. {@code /etc/docker/registry/config.yml}. */
    public String path() {
      return path;
    }
  }

  /**
   * Whether the file holds exactly {@code content} with {@code mode}. A missing file, a
   * directory or a file of another mode does not match.
   */
  public boolean matches(String absolutePath, byte[] content, String mode) {
    Path target = resolve(absolutePath);
    try {
      return Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
          && Files.getPosixFilePermissions(target).equals(PosixFilePermissions.fromString(mode))
          && Arrays.equals(Files.readAllBytes(target), content);
    } catch (IOException e) {
      return false;
    }
  }

  /** What {@link #ensureFile} changed. */
  public enum Change {
    NONE,
    MODE,
    CONTENT
  }

  /**
   * Makes the file hold exactly {@code content} with {@code mode} (e.g. {@code rw-------}).
   *
   * @return whether anything changed
   * @see #ensureFile
   */
  public boolean ensure(String absolutePath, byte[] content, String mode) {
    return ensureFile(absolutePath, content, mode) != Change.NONE;
  }

  /**
   * Makes the file hold exactly {@code content} with {@code mode}: a wrong mode alone is fixed in
   * place; new content is written atomically. An empty directory in the file's place (what Docker
   * leaves for a missing bind-mount source) is replaced.
   *
   * @throws NotAFile when a directory with content stands in the file's place
   */
  public Change ensureFile(String absolutePath, byte[] content, String mode) {
    Path target = resolve(absolutePath);
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
    try {
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        removeEmptyDirectory(absolutePath, target);
      } else if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(Files.readAllBytes(target), content)) {
        if (Files.getPosixFilePermissions(target).equals(perms)) {
          return Change.NONE;
        }
        Files.setPosixFilePermissions(target, perms);
        return Change.MODE;
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
      return Change.CONTENT;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void removeEmptyDirectory(String absolutePath, Path dir) throws IOException {
    try {
      Files.delete(dir);
    } catch (DirectoryNotEmptyException e) {
      throw new NotAFile(absolutePath);
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

  /** Creates the directory when missing and gives it exactly this mode. */
  public void ensureDirectoryWithMode(String absolutePath, String mode) {
    ensureDirectory(absolutePath, mode);
    Path dir = resolve(absolutePath);
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
    try {
      if (!Files.getPosixFilePermissions(dir).equals(perms)) {
        Files.setPosixFilePermissions(dir, perms);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the directory when it exists and is empty; returns whether it was deleted. */
  public boolean deleteEmptyDirectory(String absolutePath) {
    try {
      return Files.isDirectory(resolve(absolutePath), LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(resolve(absolutePath));
    } catch (DirectoryNotEmptyException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Gives the file to {@code group} (keeping its owner) when that group exists on the machine;
   * does nothing otherwise. For files another local service must read, such as the nrpe check's
   * client certificate.
   */
  public void shareWithGroup(String absolutePath, String group) {
    Path p = resolve(absolutePath);
    try {
      java.nio.file.attribute.GroupPrincipal principal =
          p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
      java.nio.file.attribute.PosixFileAttributeView view =
          Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (!view.readAttributes().group().equals(principal)) {
        view.setGroup(principal);
      }
    } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
      // no such group here: the file stays root's
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the path exists (a file, a directory or anything else; links not followed). */
  public boolean exists(String absolutePath) {
    return Files.exists(resolve(absolutePath), LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether the path is a regular file (links not followed). */
  public boolean isRegularFile(String absolutePath) {
    return Files.isRegularFile(resolve(absolutePath), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Whether the path is a regular file or a symbolic link to one. For the operator's own files
   * (tls-*-path), which certificate tools often lay out as links; the charm's files are checked
   * without following links.
   */
  public boolean isFileOrLinkToOne(String absolutePath) {
    return Files.isRegularFile(resolve(absolutePath));
  }

  /** Whether the path is a regular file with exactly this mode. */
  public boolean hasMode(String absolutePath, String mode) {
    Path p = resolve(absolutePath);
    try {
      return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          && Files.getPosixFilePermissions(p).equals(PosixFilePermissions.fromString(mode));
    } catch (IOException e) {
      return false;
    }
  }

  /** The mode of a regular file ({@code rw-------}), empty when it is none (links not followed). */
  public Optional<String> mode(String absolutePath) {
    Path p = resolve(absolutePath);
    try {
      return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Deletes the file (or link, or empty directory) when it exists; returns whether it existed. */
  public boolean delete(String absolutePath) {
    try {
      return Files.deleteIfExists(resolve(absolutePath));
    } catch (DirectoryNotEmptyException e) {
      throw new NotAFile(absolutePath);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
