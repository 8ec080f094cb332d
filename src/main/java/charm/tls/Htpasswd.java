package charm.tls;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.DataLengthException;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * htpasswd lines for the registry's basic auth: bcrypt, {@code $2y$}, cost 10 (the registry
 * accepts $2a$, $2b$ and $2y$; backends.md §3).
 */
public final class Htpasswd {
  private static final int COST = 10;
  /** bcrypt reads at most 72 bytes of the password; longer ones would be silently cut. */
  private static final int MAX_PASSWORD_BYTES = 72;

  private Htpasswd() {}

  /**
   * {@code user:$2y$10$...} with a fresh random salt, without a line end.
   *
   * @throws IllegalArgumentException for an empty user, a user with ':' or a line break, or a
   *     password longer than 72 bytes in UTF-8 (the message never contains the password)
   */
  public static String line(String user, String password) {
    checkUser(user);
    if (password == null) {
      throw new IllegalArgumentException("the password is missing");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException("the password is longer than 72 bytes, which bcrypt cannot use");
    }
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, COST);
  }

  /** Whether the line is this user's and its hash accepts the password; false for a malformed line. */
  public static boolean verifies(String line, String user, String password) {
    if (line == null || user == null || password == null) {
      return false;
    }
    String l = line.strip();
    int colon = l.indexOf(':');
    if (colon < 0 || !l.substring(0, colon).equals(user)) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(l.substring(colon + 1), password.toCharArray());
    } catch (IllegalArgumentException | DataLengthException e) {
      return false; // not a bcrypt hash (wrong length, version or cost), or a password bcrypt cannot take
    }
  }

  private static void checkUser(String user) {
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("the user name is empty");
    }
    if (user.indexOf(':') >= 0) {
      throw new IllegalArgumentException("the user name contains ':'");
    }
    if (user.indexOf('\n') >= 0 || user.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("the user name contains a line break");
    }
  }
}
