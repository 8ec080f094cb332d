package charm.workload;

import charm.registry.Layout;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * {@link Layout#MAINTENANCE_LOG}: one line per maintenance outcome (a scheduled run, the
 * garbage-collect and prune actions), {@code <time> <what> done: <message>} or {@code <time>
 * <what> failed: <reason>}, where COS's log alert {@code RegistryMaintenanceFailed} looks. The
 * messages are the actions' own, which name repositories, counts and errors, never a credential.
 * Rotated past {@link #MAX_BYTES}.
 */
public final class MaintenanceLog {
  public static final long MAX_BYTES = 1L << 20;
  /** A line carries this much of a message. */
  static final int MAX_MESSAGE = 2000;

  private final AppendOnlyLog log;

  public MaintenanceLog(HostFiles files) {
    this.log = new AppendOnlyLog(files.resolve(Layout.MAINTENANCE_LOG), MAX_BYTES);
  }

  /** Notes an outcome at {@code now}. */
  public void note(Instant now, String what, boolean failed, String message) {
    String text = message.replaceAll("\\p{Cntrl}+", " ").strip();
    if (text.length() > MAX_MESSAGE) {
      text = text.substring(0, MAX_MESSAGE - 1) + "…";
    }
    String name = what.replaceAll("[^A-Za-z0-9-]", "-");
    log.append(List.of(now.truncatedTo(ChronoUnit.SECONDS) + " " + name + (failed ? " failed: " : " done: ") + text));
  }
}
