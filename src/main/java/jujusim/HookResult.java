package jujusim;

/** The outcome of one hook or action process run by the simulator. */
public record HookResult(
    String unit, String hook, int exitCode, String stdout, String stderr, long millis, boolean ran) {

  /** Whether the process ran and exited 0, or the hook was missing (skipped). */
  public boolean ok() {
    return exitCode == 0;
  }

  @Override
  public String toString() {
    return unit + " " + hook + (ran ? " exit " + exitCode : " skipped") + " (" + millis + " ms)";
  }
}
