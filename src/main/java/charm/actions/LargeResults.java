package charm.actions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps action results that do not fit {@code action-set}. Juju takes result values only as
 * command-line arguments, and Linux refuses an argument over 128 KiB (E2BIG, "argument list too
 * long"): the action's results would be lost. So a value over {@link #MAX_VALUE_BYTES} (and, while
 * all values together exceed {@link #MAX_TOTAL_BYTES}, the biggest one left) is written in full to
 * a file on the unit, and the result keeps its first lines, with {@code <key>-file} (the file's
 * path) and {@code <key>-lines} (its line count) next to it.
 *
 * <p>The files live in {@code /var/lib/juju/agents/unit-<app>-<n>/action-results/} (directory
 * 0700, files 0600, owned by root as the hooks run): per unit, beside the unit's charm directory,
 * and removed with it when the unit goes. Each is written to a temporary name and renamed into
 * place. Each time one is written, listings older than {@link #MAX_AGE} go, and only the {@link
 * #KEEP} newest stay.
 */
public final class LargeResults {
  /** Largest value passed to action-set as is (one argument may hold 131,071 bytes). */
  public static final int MAX_VALUE_BYTES = 100 * 1024;
  /** All arguments share ARG_MAX (2 MiB with the environment). */
  static final int MAX_TOTAL_BYTES = 1024 * 1024;
  static final int HEAD_LINES = 40;
  static final int HEAD_BYTES = 8 * 1024;
  static final int KEEP = 10;
  static final Duration MAX_AGE = Duration.ofDays(7);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final Clock clock;

  public LargeResults(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  /** The unit's listing directory under {@code root} ({@code /} on a real machine). */
  public static Path directory(Path root, String unitName) {
    return root.resolve("var/lib/juju/agents/unit-" + unitName.replace('/', '-') + "/action-results");
  }

  /** The results to pass to action-set: {@code results} itself when everything fits. */
  public Map<String, String> fit(String action, Map<String, String> results) {
    List<String> spill = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, String> e : results.entrySet()) {
      int size = bytes(e.getValue());
      total += size + bytes(e.getKey()) + 2;
      if (size > MAX_VALUE_BYTES) {
        spill.add(e.getKey());
        total -= size - HEAD_BYTES;
      }
    }
    while (total > MAX_TOTAL_BYTES) {
      String biggest = results.keySet().stream().filter(k -> !spill.contains(k))
          .max(Comparator.comparingInt(k -> bytes(results.get(k)))).orElseThrow();
      spill.add(biggest);
      total -= bytes(results.get(biggest)) - HEAD_BYTES;
    }
    if (spill.isEmpty()) {
      return results;
    }
    Map<String, String> out = new LinkedHashMap<>(results);
    List<Path> written = new ArrayList<>();
    for (String key : spill) {
      String value = results.get(key);
      String full = value.endsWith("\n") ? value : value + "\n";
      List<String> lines = full.lines().toList();
      String head = head(lines);
      int shown = (int) head.lines().count();
      Path file = dir.resolve(action + "-" + STAMP.format(clock.instant()) + "-" + ProcessHandle.current().pid() + "-" + key + ".txt");
      String problem = write(file, full);
      if (problem == null) {
        written.add(file);
        out.put(key, head + "\n… " + (lines.size() - shown) + " more lines: the full listing (" + lines.size() + " lines) is in " + file);
        out.put(key + "-file", file.toString());
      } else {
        out.put(key, head + "\n… " + (lines.size() - shown) + " more lines not shown: the full listing could not be saved (" + problem + ")");
      }
      out.put(key + "-lines", String.valueOf(lines.size()));
    }
    if (!written.isEmpty()) {
      cleanUp(written);
    }
    return out;
  }

  /** The first lines, at most {@link #HEAD_LINES} of them and {@link #HEAD_BYTES} in all. */
  private static String head(List<String> lines) {
    StringBuilder sb = new StringBuilder();
    for (String line : lines.subList(0, Math.min(HEAD_LINES, lines.size()))) {
      if (bytes(sb.toString()) + bytes(line) + 1 > HEAD_BYTES) {
        if (sb.length() == 0) {
          sb.append(cut(line, HEAD_BYTES));
        }
        break;
      }
      sb.append(sb.length() == 0 ? "" : "\n").append(line);
    }
    return sb.toString();
  }

  private static String cut(String line, int maxBytes) {
    int end = 0;
    int used = 0;
    while (end < line.length()) {
      int cp = line.codePointAt(end);
      int size = bytes(new String(Character.toChars(cp)));
      if (used + size > maxBytes) {
        break;
      }
      used += size;
      end += Character.charCount(cp);
    }
    return line.substring(0, end);
  }

  /** Writes atomically, mode 0600; returns null, or why not (no content in the message). */
  private String write(Path file, String content) {
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    try {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      try (SeekableByteChannel ch = Files.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the write failed already; that is what gets reported
      }
      return e.getClass().getSimpleName() + " on " + dir;
    }
  }

  /** Keeps the {@link #KEEP} newest listings not older than {@link #MAX_AGE}, and those just written. */
  private void cleanUp(List<Path> written) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(files::add);
    } catch (IOException e) {
      return; // the next listing tries again
    }
    long now = clock.millis();
    files.sort(Comparator.comparingLong(LargeResults::modified).reversed());
    int kept = 0;
    for (Path f : files) {
      boolean tmp = f.getFileName().toString().startsWith(".");
      long age = now - modified(f);
      boolean keep = written.contains(f)
          || (tmp ? age < Duration.ofHours(1).toMillis() : age < MAX_AGE.toMillis() && kept < KEEP);
      if (!tmp && keep) {
        kept++;
      }
      if (!keep) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          // left for the next clean-up
        }
      }
    }
  }

  private static long modified(Path f) {
    try {
      return Files.getLastModifiedTime(f).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static int bytes(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }
}
