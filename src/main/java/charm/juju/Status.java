package charm.juju;

/** A workload status the charm may set. */
public record Status(Kind kind, String message) {

  /** Charm-settable statuses. */
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
}
