package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

class HtpasswdTest {

  @Test
  void bcrypt2yCost10() {
    String line = Htpasswd.line("alice", "s3cret pw");

    assertTrue(line.startsWith("alice:$2y$10$"), line);
    assertEquals("alice:".length() + 60, line.length(), "a bcrypt hash is 60 characters");
    assertNotEquals(line, Htpasswd.line("alice", "s3cret pw"), "a fresh salt each time");
  }

  @Test
  void verifies() {
    String line = Htpasswd.line("alice", "pä:ss w0rd");

    assertTrue(Htpasswd.verifies(line, "alice", "pä:ss w0rd"));
    assertTrue(Htpasswd.verifies(line + "\n", "alice", "pä:ss w0rd"), "as read from a file");
    assertFalse(Htpasswd.verifies(line, "alice", "pa:ss w0rd"));
    assertFalse(Htpasswd.verifies(line, "alice", ""));
    assertFalse(Htpasswd.verifies(line, "bob", "pä:ss w0rd"));
    assertFalse(Htpasswd.verifies("alice:$2y$10$short", "alice", "x"));
    assertFalse(Htpasswd.verifies("alice:$2y$10$" + "x".repeat(53), "alice", "x"));
    assertFalse(Htpasswd.verifies("alice:$2y$99$" + line.substring(13), "alice", "pä:ss w0rd"));
    assertFalse(Htpasswd.verifies("alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "alice", "password"));
    assertFalse(Htpasswd.verifies("alice", "alice", "x"));
    assertFalse(Htpasswd.verifies(null, "alice", "x"));
  }

  @Test
  void verifiesOtherBcryptPrefixes() {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    for (String version : new String[] {"2a", "2b"}) {
      String line = "carol:" + OpenBSDBCrypt.generate(version, "pw".toCharArray(), salt, 4);
      assertTrue(Htpasswd.verifies(line, "carol", "pw"), version);
    }
  }

  @Test
  void rejectsBadUsersWithoutEchoingThePassword() {
    for (String user : new String[] {"a:b", "a\nb", "a\rb", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Htpasswd.line(user, "Hunter2-secret"));
      assertFalse(e.getMessage().contains("Hunter2"), e.getMessage());
    }
    assertEquals("the user name contains ':'", assertThrows(IllegalArgumentException.class, () -> Htpasswd.line("a:b", "x")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Htpasswd.line(null, "x"));
  }

  @Test
  void rejectsPasswordsBcryptWouldCut() {
    String longPassword = "Hunter2-".repeat(9) + "x"; // 73 bytes

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Htpasswd.line("alice", longPassword));

    assertEquals("the password is longer than 72 bytes, which bcrypt cannot use", e.getMessage());
    assertTrue(Htpasswd.line("alice", "Hunter2-".repeat(9)).startsWith("alice:$2y$10$"), "72 bytes is fine");
  }
}
