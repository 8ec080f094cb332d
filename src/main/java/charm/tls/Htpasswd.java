package charm.tls;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** htpasswd lines with bcrypt (cost 10), as the registry's htpasswd access controller reads them. */
public final class Htpasswd {
  private static final int COST = 10;

  private Htpasswd() {}

  /** {@code user:$2y$10$...} with a fresh random salt. */
  public static String line(String user, String password) {
    if (user.isEmpty() || user.matches("(?s).*[:\\s].*")) {
      throw new IllegalArgumentException("an htpasswd user must be non-empty without ':' or spaces");
    }
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, COST);
  }

  /** Whether {@code line} is {@code user}'s entry and its hash verifies {@code password}. */
  public static boolean verifies(String line, String user, String password) {
    String prefix = user + ":";
    if (!line.startsWith(prefix)) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(line.substring(prefix.length()).trim(), password.getBytes(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return false; // not a bcrypt hash
    }
  }
}
