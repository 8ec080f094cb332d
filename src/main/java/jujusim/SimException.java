package jujusim;

/** Input the simulator (like Juju) rejects; the message is meant for a human. */
public class SimException extends RuntimeException {
  public SimException(String message) {
    super(message);
  }

  public SimException(String message, Throwable cause) {
    super(message, cause);
  }
}
