package charm.workload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * A machine file the charm edits but does not own, such as {@code /etc/docker/daemon.json}. Unlike
 * {@link HostFiles#ensure}, which owns its files and sets their mode, it writes through symlinks to
 * the real file (atomically, in the real file's directory), keeps the file's mode and owner, and
 * refuses anything that is not a regular file: a directory, a FIFO (reading it would block the
 * hook), a loop of symlinks.
 */
final class EditedFile {
  /** Linux gives up after 40 links (ELOOP); so do we. */
  private static final int MAX_LINKS = 40;
  private static final int NEW_FILE_MODE = 0644;

  private final Path target;
  private final boolean linked;
  private final Map<String, Object> attributes;
  private final byte[] content;

  private EditedFile(Path target, boolean linked, Map<String, Object> attributes, byte[] content) {
    this.target = target;
    this.linked = linked;
    this.attributes = attributes;
    this.content = content;
  }

  /** The path cannot be edited; the message says why, without the path. */
  static final class NotEditable extends IOException {
    NotEditable(String reason) {
      super(reason);
    }
  }

  /** Follows {@code path}'s symlinks to the real file and reads it (empty content when missing). */
  static EditedFile open(Path path) throws IOException {
    Path target = path.toAbsolutePath();
    for (int links = 0; Files.isSymbolicLink(target); links++) {
      if (links == MAX_LINKS) {
        throw new NotEditable("is a loop of symlinks");
      }
      // A relative link is relative to the link's directory; not normalised, so ".." follows the
      // real directory tree as the kernel does.
      target = target.getParent().resolve(Files.readSymbolicLink(target));
    }
    boolean linked = !target.equals(path.toAbsolutePath());
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(target, "unix:isRegularFile,isDirectory,mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return new EditedFile(target, linked, null, null);
    }
    if (Boolean.TRUE.equals(attributes.get("isDirectory"))) {
      throw new NotEditable("is a directory");
    }
    if (!Boolean.TRUE.equals(attributes.get("isRegularFile"))) {
      throw new NotEditable("is not a regular file");
    }
    return new EditedFile(target, linked, attributes, Files.readAllBytes(target));
  }

  /** The current bytes; empty when the file does not exist yet. */
  Optional<byte[]> content() {
    return Optional.ofNullable(content);
  }

  /**
   * Replaces the real file's content atomically (temp file in its directory, then a rename), with
   * the old file's owner and mode, or 0644 for a new file. A missing directory is created only when
   * the path is not a symlink: the charm does not build trees where an operator's link points.
   *
   * @return whether anything was written (false when the content is the same)
   */
  boolean replace(byte[] newContent) throws IOException {
    if (content != null && Arrays.equals(content, newContent)) {
      return false;
    }
    Path dir = target.getParent();
    if (content == null && !linked) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      if (attributes == null) {
        Files.setAttribute(tmp, "unix:mode", NEW_FILE_MODE);
      } else {
        // Owner first: chown clears set-id bits, which the mode then restores.
        Files.setAttribute(tmp, "unix:uid", attributes.get("uid"));
        Files.setAttribute(tmp, "unix:gid", attributes.get("gid"));
        Files.setAttribute(tmp, "unix:mode", (Integer) attributes.get("mode") & 07777);
      }
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(newContent);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return true;
  }
}
