package charm.workload;

import charm.juju.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Makes the unit's own Docker engine trust the registry, so {@code docker push <netloc>/...}
 * works on the unit (the push action) — without restarting the daemon. A plain-http registry goes
 * into {@code insecure-registries} of {@code /etc/docker/daemon.json}, which dockerd re-reads on
 * SIGHUP. daemon.json belongs to the machine: it is edited through its symlinks with its mode,
 * owner and numbers kept ({@link EditedFile}), and the SIGHUP goes only to a verified dockerd
 * ({@link DockerdReload}).
 */
public final class DaemonTrust {
  public static final String DAEMON_JSON = "/etc/docker/daemon.json";
  static final String PID_FILE = "/var/run/docker.pid";

  private final HostFiles files;

  public DaemonTrust(HostFiles files) {
    this.files = files;
  }

  /**
   * Outcome of one change: whether daemon.json changed and whether dockerd was told. {@code
   * problem} is a warning for the operator: daemon.json could not be edited (then nothing changed),
   * or it changed but dockerd could not safely be told (the reload is pending until dockerd next
   * starts or is sent SIGHUP).
   */
  public record Result(boolean changed, boolean reloaded, String problem) {}

  /** Whether daemon.json lists an entry, as the file is now. */
  public enum Listing {
    LISTED,
    /** Not listed, and daemon.json could take it. */
    MISSING,
    /** daemon.json cannot be read or edited (see {@link #ensureInsecure}'s problem): nothing to repair. */
    UNEDITABLE
  }

  /** daemon.json as read: the file and its object, or why it cannot be edited. */
  private record Read(EditedFile file, Map<String, Object> daemon, List<Object> entries, String problem) {}

  /**
   * Whether daemon.json's insecure-registries holds {@code netloc} now: what the charm wrote,
   * checked on disk (the operator, a configuration tool or a package may have changed it since).
   */
  public Listing listing(String netloc) {
    Read read = read();
    if (read.problem() != null) {
      return Listing.UNEDITABLE;
    }
    return read.entries().contains(netloc) ? Listing.LISTED : Listing.MISSING;
  }

  /**
   * Puts {@code add} into insecure-registries and takes {@code remove} out (each when not null),
   * then sends SIGHUP to dockerd, only when the list changed: an entry already there (or already
   * gone) changes nothing, so this is called in every full reconcile and repairs an entry that
   * was removed behind the charm's back. Other entries are never touched. A daemon.json that is
   * not a regular file (through its symlinks) or not a JSON object is left untouched and
   * reported; nothing here throws for the machine's files.
   */
  public Result ensureInsecure(String add, String remove) {
    Read read = read();
    if (read.problem() != null) {
      return unchanged(read.problem());
    }
    List<Object> entries = read.entries();
    List<Object> wanted = new ArrayList<>(entries);
    if (remove != null && !remove.equals(add)) {
      wanted.removeIf(remove::equals);
    }
    if (add != null && !wanted.contains(add)) {
      wanted.add(add);
    }
    if (wanted.equals(entries)) {
      return new Result(false, false, null);
    }
    Map<String, Object> daemon = read.daemon();
    daemon.put("insecure-registries", wanted);
    try {
      read.file().replace(text(daemon));
    } catch (IOException e) {
      return unchanged(DAEMON_JSON + " cannot be written (" + reason(e) + ")");
    }
    DockerdReload.Outcome hup = DockerdReload.send(files.resolve(PID_FILE), PID_FILE, DockerdReload.PROC);
    String pending = hup.problem() == null ? null : "Updated " + DAEMON_JSON + " but did not signal dockerd: " + hup.problem() + "; reload pending";
    return new Result(true, hup.sent(), pending);
  }

  private Read read() {
    EditedFile file;
    try {
      file = EditedFile.open(files.resolve(DAEMON_JSON));
    } catch (EditedFile.NotEditable e) {
      return problem(DAEMON_JSON + " " + e.getMessage());
    } catch (IOException e) {
      return problem(DAEMON_JSON + " cannot be read (" + reason(e) + ")");
    }
    Object parsed;
    try {
      parsed = parse(file.content());
    } catch (Json.ParseException e) {
      return problem(DAEMON_JSON + " cannot be parsed: " + e.getMessage());
    }
    if (!(parsed instanceof Map)) {
      return problem(DAEMON_JSON + " holds a JSON " + Json.typeName(parsed) + ", not an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> daemon = (Map<String, Object>) parsed;
    Object listed = daemon.get("insecure-registries");
    if (listed != null && !(listed instanceof List)) {
      return problem(DAEMON_JSON + " has an insecure-registries that is not a list");
    }
    return new Read(file, daemon, listed == null ? new ArrayList<>() : new ArrayList<>((List<?>) listed), null);
  }

  private static Read problem(String problem) {
    return new Read(null, null, null, problem);
  }

  private static Result unchanged(String problem) {
    return new Result(false, false, problem + "; left unchanged");
  }

  /** The file's JSON with exact numbers; a new object for a missing or blank file. */
  private static Object parse(Optional<byte[]> content) {
    if (content.isEmpty() || new String(content.get(), StandardCharsets.UTF_8).isBlank()) {
      return new LinkedHashMap<String, Object>();
    }
    return Json.parseExact(content.get());
  }

  private static byte[] text(Map<String, Object> daemon) {
    byte[] json = Json.writePretty(daemon);
    byte[] text = Arrays.copyOf(json, json.length + 1);
    text[json.length] = '\n';
    return text;
  }

  private static String reason(IOException e) {
    String reason = e instanceof FileSystemException f ? f.getReason() : null;
    if (reason != null) {
      return reason;
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    return e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
  }
}
