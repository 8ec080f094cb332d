package jujusim;

import java.util.List;

/**
 * The outcome of one hook or action process run by the simulator.
 *
 * @param toolCalls the hook tools the process ran, in order (for checks such as "a second
 *     identical hook writes nothing")
 */
public record HookResult(
    String unit, String hook, int exitCode, String stdout, String stderr, long millis, boolean ran, List<String> toolCalls) {

  /** Tools that change something in Juju (or the unit's ports). */
  public static final List<String> WRITE_TOOLS =
      List.of("relation-set", "state-set", "state-delete", "leader-set", "open-port", "close-port", "application-version-set",
          "secret-add", "secret-set", "secret-remove");

  public HookResult {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** The write tools this process ran. */
  public List<String> writes() {
    return toolCalls.stream().filter(WRITE_TOOLS::contains).toList();
  }

  /** Whether the process ran and exited 0, or the hook was missing (skipped). */
  public boolean ok() {
    return exitCode == 0;
  }

  @Override
  public String toString() {
    return unit + " " + hook + (ran ? " exit " + exitCode : " skipped") + " (" + millis + " ms)";
  }
}
