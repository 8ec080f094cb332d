package charm;

import charm.juju.Json;
import charm.registry.Secrets;
import charm.workload.ContainerState;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a registry container did not become ready, in words for the unit's status: what the engine
 * saw it do while the charm waited (it ran silently, exited, kept being restarted, or vanished)
 * and the registry's own last error line. Pure.
 *
 * <p>The quote comes from the container's log: the registry writes a failed start there (a
 * configuration error, a storage driver's panic). Only error lines are quoted, with every secret
 * of the plan redacted, on one line and at most {@link #MAX_QUOTE} characters.
 */
final class NotReady {
  /** How many of the container's last log lines to read for a quote. */
  static final int LOG_LINES = 50;
  /** Longest quote of the registry's words in a status. */
  static final int MAX_QUOTE = 200;

  /** What the container did while the charm waited for its registry. */
  enum Kind {
    /** It ran all along, and nothing answered. */
    SILENT,
    /** It exited, and its restart policy did not restart it. */
    EXITED,
    /** It exited and its restart policy restarted it (or is about to). */
    RESTARTING,
    /** It is gone: somebody removed it. */
    GONE
  }

  /** {@code level=error msg="..."} of logrus's text format (before the registry applied ours). */
  private static final Pattern TEXT_LEVEL = Pattern.compile("\\blevel=(error|fatal|panic)\\b");
  private static final Pattern TEXT_MSG = Pattern.compile("\\bmsg=\"((?:[^\"\\\\]|\\\\.)*)\"");
  /** A line of its own that states an error: "configuration error: ...", "Error: unknown command ...". */
  private static final Pattern ERROR_LINE = Pattern.compile("^(panic: |([A-Za-z][A-Za-z ]{0,40} )?[Ee]rror: ).+");
  private static final Set<String> ERROR_LEVELS = Set.of("error", "fatal", "panic");

  private final Kind kind;
  private final Optional<ContainerState> exit;
  private final int restarts;
  private final Optional<String> quote;

  private NotReady(Kind kind, Optional<ContainerState> exit, int restarts, Optional<String> quote) {
    this.kind = kind;
    this.exit = exit;
    this.restarts = restarts;
    this.quote = quote;
  }

  /**
   * @param last the container as the engine reports it now, empty when it is gone
   * @param exit its latest state seen exited or waiting for its restart (exit code and times), if any
   * @param baselineRestarts its restart count when the charm began to watch it
   * @param logTail its last log lines, oldest first
   * @param secrets values that must not be quoted
   */
  static NotReady of(Optional<ContainerState> last, Optional<ContainerState> exit, int baselineRestarts, List<String> logTail,
      Secrets secrets) {
    if (last.isEmpty()) {
      return new NotReady(Kind.GONE, Optional.empty(), 0, Optional.empty());
    }
    Optional<String> quote = quote(logTail, secrets);
    int restarts = Math.max(last.get().restartCount(), exit.map(ContainerState::restartCount).orElse(0));
    if (exit.isEmpty() && restarts <= baselineRestarts) {
      return new NotReady(Kind.SILENT, exit, 0, quote);
    }
    return new NotReady(restarts > 0 ? Kind.RESTARTING : Kind.EXITED, exit, restarts, quote);
  }

  Kind kind() {
    return kind;
  }

  /**
   * In words, after "Cannot start X: ": "the new container exited with code 1 after 0.15 s:
   * configuration error: ...".
   *
   * @param container what to call the container ("the new container")
   * @param port the registry's port, for a silent one
   * @param waited how long the charm waited for an answer
   */
  String describe(String container, int port, Duration waited) {
    String what = switch (kind) {
      case GONE -> container + " was removed while the charm waited for it";
      case SILENT -> "the registry did not answer on port " + port + " within " + waited.toSeconds() + " s";
      case EXITED -> container + " exited with code " + exit.orElseThrow().exitCode() + after(exit.get());
      case RESTARTING -> restarting(container);
    };
    return quote.map(q -> what + ": " + q).orElse(what);
  }

  /**
   * A container the restart policy restarted ({@code RestartCount} counts the restarts the engine
   * decided on, so 1 as soon as the first exit is seen).
   */
  private String restarting(String container) {
    if (exit.isEmpty()) {
      return restarts == 1 ? container + " exited and was restarted" : container + " kept restarting (" + restarts + " restarts)";
    }
    ContainerState c = exit.get();
    return restarts == 1
        ? container + " exited with code " + c.exitCode() + after(c) + " and was restarted"
        : container + " kept restarting (exit code " + c.exitCode() + after(c) + ", " + restarts + " restarts)";
  }

  /** " after 0.15 s", the length of the run that ended; "" when the engine's times do not say. */
  private static String after(ContainerState c) {
    return c.lastRun().map(d -> " after " + seconds(d)).orElse("");
  }

  static String seconds(Duration d) {
    double s = d.toNanos() / 1e9;
    return String.format(Locale.ROOT, s < 1 ? "%.2f s" : "%.1f s", s);
  }

  /** The last error line of the log, redacted and cut to one short line. */
  static Optional<String> quote(List<String> logTail, Secrets secrets) {
    for (int i = logTail.size() - 1; i >= 0; i--) {
      Optional<String> error = errorText(logTail.get(i));
      if (error.isPresent()) {
        return Optional.of(oneLine(secrets.redact(error.get())));
      }
    }
    return Optional.empty();
  }

  /**
   * The error a log line states: the message of a JSON (the charm's formatter) or text (logrus's
   * default) entry at level error, fatal or panic, or a line of its own such as Go's "panic: ..."
   * or the registry's "configuration error: ...". Empty for anything else (information, stack
   * frames, usage text).
   */
  static Optional<String> errorText(String line) {
    String trimmed = line.strip();
    if (trimmed.startsWith("{")) {
      return jsonError(trimmed);
    }
    if (TEXT_LEVEL.matcher(trimmed).find()) {
      Matcher m = TEXT_MSG.matcher(trimmed);
      return m.find() ? Optional.of(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\")) : Optional.empty();
    }
    return ERROR_LINE.matcher(line).matches() ? Optional.of(trimmed) : Optional.empty();
  }

  private static Optional<String> jsonError(String line) {
    Object entry;
    try {
      entry = Json.parse(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (Json.ParseException e) {
      return Optional.empty();
    }
    if (!(entry instanceof Map<?, ?> map) || !ERROR_LEVELS.contains(String.valueOf(map.get("level")))) {
      return Optional.empty();
    }
    String msg = map.get("msg") == null ? "" : String.valueOf(map.get("msg"));
    Object error = map.get("error");
    return Optional.of(error == null ? msg : msg + ": " + error);
  }

  /** Control characters and runs of white space as one space, at most {@link #MAX_QUOTE} characters. */
  private static String oneLine(String text) {
    String flat = text.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
    return flat.length() <= MAX_QUOTE ? flat : flat.substring(0, MAX_QUOTE - 3) + "...";
  }
}
