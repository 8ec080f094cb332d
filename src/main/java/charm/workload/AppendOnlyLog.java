package charm.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A log file the charm appends to: complete lines only, each batch in one {@code write} with
 * {@code O_APPEND} (a crash can cut only the batch it was writing, never interleave two), rotated
 * to one {@code <name>.1} (a rename, atomic) before a batch would take it past {@code maxBytes}.
 * So it never holds more than twice {@code maxBytes}. Files 0640, directory 0755 (a collector
 * reading {@code /var/log} runs as root).
 */
final class AppendOnlyLog {
  private final Path file;
  private final long maxBytes;

  AppendOnlyLog(Path file, long maxBytes) {
    this.file = file;
    this.maxBytes = maxBytes;
  }

  Path file() {
    return file;
  }

  Path rotated() {
    return file.resolveSibling(file.getFileName() + ".1");
  }

  /** Appends the lines (each without its line break); keeps the last ones that fit {@code maxBytes}. */
  void append(List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    List<byte[]> encoded = new ArrayList<>();
    long total = 0;
    for (int i = lines.size() - 1; i >= 0; i--) {
      byte[] line = (lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8);
      if (total + line.length > maxBytes) {
        break;
      }
      encoded.add(0, line);
      total += line.length;
    }
    ByteBuffer batch = ByteBuffer.allocate((int) total);
    encoded.forEach(batch::put);
    batch.flip();
    try {
      Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      if (size() > 0 && size() + total > maxBytes) {
        Files.move(file, rotated(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      try (FileChannel out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
        while (batch.hasRemaining()) {
          out.write(batch);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The size of the current file, 0 when there is none. */
  long size() {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The complete lines in the last {@code bytes} of the current file, else of the rotated one; oldest first. */
  List<String> lastLines(int bytes) {
    List<String> lines = lastLines(file, bytes);
    return lines.isEmpty() ? lastLines(rotated(), bytes) : lines;
  }

  private static List<String> lastLines(Path path, int bytes) {
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = in.size();
      long start = Math.max(0, size - bytes - 1); // one byte more: is the window's first line whole?
      ByteBuffer buffer = ByteBuffer.allocate((int) (size - start));
      while (buffer.hasRemaining() && in.read(buffer, start + buffer.position()) > 0) {
        // read to the end
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      if (start > 0) {
        text = text.substring(text.indexOf('\n') + 1); // the line the window cuts, or the byte before it
      }
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      lines.remove(lines.size() - 1); // after the last line break: a line not yet complete, or ""
      return lines;
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
