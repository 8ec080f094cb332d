package charm.juju;

import java.util.List;

/** A hook tool exited non-zero. Carries the command, its exit code and its {@code ERROR} line. */
public class HookToolException extends RuntimeException {
  private final List<String> command;
  private final int exitCode;
  private final String error;

  public HookToolException(List<String> command, int exitCode, String error) {
    super(command.get(0) + " exited " + exitCode + (error.isEmpty() ? "" : ": " + error));
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.error = error;
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
