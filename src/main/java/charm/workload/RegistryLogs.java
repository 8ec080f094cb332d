package charm.workload;

import charm.registry.Layout;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Copies what the registry container wrote (its access log and its own log lines) to {@link
 * Layout#registryLog}, where COS collectors tail {@code /var/log}: the engine's own file sits under
 * {@code /var/lib/docker}, which a strictly confined collector (the opentelemetry-collector and
 * grafana-agent snaps, with {@code log-observe}) may not read, through a link or otherwise. Every
 * hook copies the lines written since the last one copied (the engine's timestamps, which start
 * each line), so a line reaches the file at the next hook, update-status at the latest.
 *
 * <p>Bounded: at most {@link #MAX_BYTES} per file, rotated to one {@code .1}. No secrets: an
 * upload's {@code _state} (a token signed with the http secret that lets its holder go on with the
 * upload) is replaced by {@code REDACTED}; the registry logs no credentials otherwise.
 */
public final class RegistryLogs {
  public static final long MAX_BYTES = 10L << 20;
  /** The most lines one hook asks the engine for. */
  static final int MAX_LINES = 50_000;
  private static final int TAIL_WINDOW = 256 << 10;
  private static final Pattern STATE = Pattern.compile("([?&]_state=)[^&\\s\"\\\\]+");

  private final HostFiles files;

  public RegistryLogs(HostFiles files) {
    this.files = files;
  }

  /** Appends the container's lines written since the last copied one; returns how many. */
  public int copy(RegistryContainer engine, String containerName) {
    AppendOnlyLog log = new AppendOnlyLog(files.resolve(Layout.registryLog(containerName)), MAX_BYTES);
    List<String> tail = log.lastLines(TAIL_WINDOW);
    Instant since = tail.isEmpty() ? Instant.EPOCH : time(tail.get(tail.size() - 1)).orElse(Instant.EPOCH);
    Set<String> copiedAtSince = new HashSet<>();
    tail.stream().filter(l -> time(l).filter(since::equals).isPresent()).forEach(copiedAtSince::add);
    List<String> fresh = new ArrayList<>();
    for (String line : engine.logSince(containerName, unixSeconds(since), MAX_LINES)) {
      Optional<Instant> t = time(line);
      String clean = redact(line);
      if (t.isEmpty() || t.get().isBefore(since) || (t.get().equals(since) && copiedAtSince.contains(clean))) {
        continue;
      }
      fresh.add(clean);
    }
    log.append(fresh);
    return fresh.size();
  }

  /** The line with secret-like values replaced. */
  static String redact(String line) {
    return STATE.matcher(line).replaceAll("$1REDACTED");
  }

  /** The engine's timestamp that starts a copied line. */
  static Optional<Instant> time(String line) {
    int space = line.indexOf(' ');
    try {
      return Optional.of(Instant.parse(space < 0 ? line : line.substring(0, space)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The engine's {@code since}: Unix seconds with nine decimals. */
  static String unixSeconds(Instant t) {
    return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
  }
}
