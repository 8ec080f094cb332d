package charm.workload;

import charm.juju.Json;
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
 * SIGHUP, sent only to a verified dockerd ({@link DockerdReload}).
 */
public final class DaemonTrust {
  static final String DAEMON_JSON = "/etc/docker/daemon.json";
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

  /**
   * Puts {@code add} into insecure-registries and takes {@code remove} out (when not null).
   * Leaves a daemon.json that is not valid JSON untouched and reports it.
   */
  public Result ensureInsecure(String add, String remove) {
    Map<String, Object> daemon;
    Optional<byte[]> current = files.read(DAEMON_JSON);
    try {
      Object parsed = current.isEmpty() ? null : Json.parse(current.get());
      daemon = parsed == null ? new LinkedHashMap<>() : asObject(parsed);
    } catch (Json.ParseException | ClassCastException e) {
      return new Result(false, false, DAEMON_JSON + " is not a JSON object; left unchanged");
    }
    List<String> entries = new ArrayList<>();
    if (daemon.get("insecure-registries") instanceof List<?> list) {
      list.forEach(entry -> entries.add(String.valueOf(entry)));
    }
    List<String> wanted = new ArrayList<>(entries);
    if (remove != null && !remove.equals(add)) {
      wanted.remove(remove);
    }
    if (add != null && !wanted.contains(add)) {
      wanted.add(add);
    }
    if (wanted.equals(entries)) {
      return new Result(false, false, null);
    }
    daemon.put("insecure-registries", wanted);
    byte[] json = Json.writePretty(daemon);
    byte[] text = Arrays.copyOf(json, json.length + 1);
    text[json.length] = '\n';
    files.ensure(DAEMON_JSON, text, "rw-r--r--");
    DockerdReload.Outcome hup = DockerdReload.send(files.resolve(PID_FILE), PID_FILE, DockerdReload.PROC);
    String pending = hup.problem() == null ? null : "Updated " + DAEMON_JSON + " but did not signal dockerd: " + hup.problem() + "; reload pending";
    return new Result(true, hup.sent(), pending);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Object parsed) {
    return (Map<String, Object>) (Map<?, ?>) parsed;
  }
}
