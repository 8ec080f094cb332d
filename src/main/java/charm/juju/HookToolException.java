package charm.juju;

import java.time.Duration;
import java.util.List;

/**
 * A hook tool exited non-zero, or ran past its deadline and was killed. Carries the command, its
 * exit code ({@link #TIMED_OUT} for a tool that was killed) and its {@code ERROR} line.
 */
public class HookToolException extends RuntimeException {
  /** The exit code of a tool killed at its deadline. */
  public static final int TIMED_OUT = -1;

  private final List<String> command;
  private final int exitCode;
  private final String error;

  public HookToolException(List<String> command, int exitCode, String error) {
    this(command, exitCode, error, command.get(0) + " exited " + exitCode + (error.isEmpty() ? "" : ": " + error));
  }

  private HookToolException(List<String> command, int exitCode, String error, String message) {
    super(message);
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.error = error;
  }

  /** The tool did not finish within {@code deadline}; it was killed. */
  public static HookToolException timedOut(List<String> command, Duration deadline) {
    long ms = deadline.toMillis();
    String error = "did not finish within " + (ms < 1000 ? ms + " ms" : deadline.toSeconds() + " s") + " and was killed";
    return new HookToolException(command, TIMED_OUT, error, command.get(0) + " " + error);
  }

  /** Whether the tool was killed at its deadline rather than exiting. */
  public boolean timedOut() {
    return exitCode == TIMED_OUT;
  }

  /** argv of the failed tool; values may be secret, so do not log them. */
  public List<String> command() {
    return command;
  }

  public int exitCode() {
    return exitCode;
  }

  /** The tool's stderr with the {@code ERROR } prefix removed and trimmed. */
  public String error() {
    return error;
  }

  /** Juju's "relation not found" (a relation that is gone, for example during -broken). */
  public boolean isRelationNotFound() {
    return error.contains("relation not found");
  }
}
