package charm.juju;

import java.util.Collection;
import java.util.Comparator;

/** A workload status the charm may set, with ops' priority order for picking the one to show. */
public record Status(Kind kind, String message) {

  /** Charm-settable statuses; declaration order is the priority (first wins). */
  public enum Kind {
    BLOCKED,
    MAINTENANCE,
    WAITING,
    ACTIVE;

    /** The word status-set expects. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static Status active(String message) {
    return new Status(Kind.ACTIVE, message);
  }

  public static Status blocked(String message) {
    return new Status(Kind.BLOCKED, message);
  }

  public static Status maintenance(String message) {
    return new Status(Kind.MAINTENANCE, message);
  }

  public static Status waiting(String message) {
    return new Status(Kind.WAITING, message);
  }

  /** The most severe of the given statuses (blocked > maintenance > waiting > active). */
  public static Status mostSevere(Collection<Status> statuses) {
    return statuses.stream()
        .min(Comparator.comparing(Status::kind))
        .orElseThrow(() -> new IllegalArgumentException("no status"));
  }
}
