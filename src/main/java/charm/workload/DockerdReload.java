package charm.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * SIGHUP for dockerd, sent only once {@code /proc} shows that the pid in docker.pid is a live
 * dockerd: a stale pid file may name any process by now, and SIGHUP ends most programs. The pid
 * could still be reused between the check and the signal; that window is a few microseconds, not
 * the lifetime of a pid file.
 */
final class DockerdReload {
  static final Path PROC = Path.of("/proc");
  private static final String DOCKERD = "dockerd";
  private static final String DELETED = " (deleted)";

  private DockerdReload() {}

  /** Whether SIGHUP was sent; otherwise why not (null when no pid file: no dockerd to tell). */
  record Outcome(boolean sent, String problem) {
    static Outcome notSent(String problem) {
      return new Outcome(false, problem);
    }
  }

  /**
   * Reads {@code pidFile} (the unit's {@code /var/run/docker.pid}) and signals that pid under
   * {@code proc} (the real {@code /proc}) when it is dockerd. {@code shownPidFile} is the path for
   * messages.
   */
  static Outcome send(Path pidFile, String shownPidFile, Path proc) {
    String text;
    try {
      BasicFileAttributes attributes = Files.readAttributes(pidFile, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        return Outcome.notSent(shownPidFile + " is not a regular file");
      }
      if (attributes.size() > 32) {
        return Outcome.notSent(shownPidFile + " does not hold a pid");
      }
      text = new String(Files.readAllBytes(pidFile), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return new Outcome(false, null);
    } catch (IOException e) {
      return Outcome.notSent(shownPidFile + " cannot be read");
    }
    // Never 0 or negative: kill(1) would signal a whole process group, the charm's own included.
    if (!text.matches("[1-9][0-9]{0,9}")) {
      return Outcome.notSent(shownPidFile + " does not hold a pid");
    }
    String why = notDockerd(proc.resolve(text), "pid " + text + " (" + shownPidFile + ")");
    return why != null ? Outcome.notSent(why) : hangUp(text);
  }

  /** Why {@code /proc/<pid>} is not a live dockerd, or null when it is. */
  private static String notDockerd(Path process, String who) {
    try {
      String stat = Files.readString(process.resolve("stat"), StandardCharsets.ISO_8859_1);
      // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
      int close = stat.lastIndexOf(')');
      char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
      if (state == 'Z' || state == 'X' || state == 'x') {
        return who + " is a zombie";
      }
      String comm = Files.readString(process.resolve("comm"), StandardCharsets.ISO_8859_1).strip();
      if (!comm.equals(DOCKERD)) {
        return who + " is " + printable(comm) + ", not " + DOCKERD;
      }
    } catch (NoSuchFileException e) {
      return who + " is not running";
    } catch (IOException e) {
      return who + " cannot be inspected";
    }
    String exe;
    try {
      exe = Files.readSymbolicLink(process.resolve("exe")).toString();
    } catch (IOException e) {
      return who + ": its executable cannot be checked";
    }
    // A dockerd whose binary a package upgrade replaced still reads daemon.json on SIGHUP.
    String file = exe.endsWith(DELETED) ? exe.substring(0, exe.length() - DELETED.length()) : exe;
    if (!DOCKERD.equals(Path.of(file).getFileName().toString())) {
      return who + " runs " + printable(exe) + ", not " + DOCKERD;
    }
    return null;
  }

  private static Outcome hangUp(String pid) {
    try {
      Process kill = new ProcessBuilder("kill", "-HUP", pid).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor() == 0 ? new Outcome(true, null) : Outcome.notSent("kill -HUP " + pid + " failed");
    } catch (IOException e) {
      return Outcome.notSent("kill could not be run");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.notSent("interrupted before kill -HUP " + pid + " finished");
    }
  }

  /** Process names and paths are anyone's text: no control characters into the log, and short. */
  private static String printable(String s) {
    String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() > 120 ? clean.substring(0, 120) + "..." : clean;
  }
}
