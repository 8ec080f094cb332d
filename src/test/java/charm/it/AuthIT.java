package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import jujusim.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Registry authentication through the charm's options, checked with the real docker client and
 * plain HTTP: basic auth (htpasswd written by the charm) and token auth.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthIT {
  static final String PASSWORD_ONE = "first-Pa55word-for-auth-it";
  static final String PASSWORD_TWO = "second-Pa55word-for-auth-it";

  SimUnit unit;
  Path dockerConfig;
  String tiny;
  /** Every secret the tests use, for the final scan. */
  final List<String> secrets = new ArrayList<>(List.of(PASSWORD_ONE, PASSWORD_TWO));

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-auth");
    unit.assertActive();
    dockerConfig = Files.createDirectory(unit.work.resolve("docker-config"));
    tiny = TestImages.tiny(unit.work, "it/auth-tiny:" + unit.name);
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      Cmd.run("docker", "rmi", tiny, unit.netloc() + "/it/auth:1", unit.netloc() + "/it/auth:2");
      unit.close();
    }
  }

  @Test
  @Order(1)
  void basicAuthNeedsTheRightPasswordAndAPasswordChangeNeedsNoRestart() throws IOException {
    unit.config(Map.of("auth-basic-user", "alice", "auth-basic-password", PASSWORD_ONE), List.of());
    unit.assertActive();
    HttpResponse<String> challenge = Http.send("GET", "http://" + unit.netloc() + "/v2/");
    assertEquals(401, challenge.statusCode());
    assertEquals("Basic realm=\"docker-registry\"", challenge.headers().firstValue("Www-Authenticate").orElse(""));

    Cmd.ok("docker", "tag", tiny, unit.netloc() + "/it/auth:1");
    Cmd anonymous = docker("push", unit.netloc() + "/it/auth:1");
    assertNotEquals(0, anonymous.exitCode(), "a push without login is refused: " + anonymous.output());
    assertNotEquals(0, docker("login", "-u", "alice", "-p", "wrong-" + PASSWORD_ONE, unit.netloc()).exitCode(), "a wrong password fails");
    assertEquals(0, docker("login", "-u", "alice", "-p", PASSWORD_ONE, unit.netloc()).exitCode());
    assertEquals(0, docker("push", unit.netloc() + "/it/auth:1").exitCode());

    Path htpasswd = unit.root.resolve("etc/docker/registry/auth/htpasswd");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(htpasswd)));
    String entry = Files.readString(htpasswd);
    assertTrue(entry.startsWith("alice:$2y$10$"), "bcrypt, cost 10");

    String before = SimUnit.idAndStart(unit.name);
    unit.config(Map.of("auth-basic-password", PASSWORD_TWO), List.of());
    unit.assertActive();
    assertEquals(before, SimUnit.idAndStart(unit.name), "a password change does not restart the registry");
    assertEquals(200, basic("alice", PASSWORD_TWO), "the new password works at once");
    assertEquals(401, basic("alice", PASSWORD_ONE), "the old one no longer does");
    String second = Files.readString(htpasswd);
    unit.hook("update-status");
    unit.hook("config-changed");
    assertEquals(second, Files.readString(htpasswd), "an unchanged password is not re-hashed");

    unit.config(Map.of(), List.of("auth-basic-user", "auth-basic-password"));
    unit.assertActive();
    assertEquals(200, Http.status("http://" + unit.netloc() + "/v2/"), "open again");
    assertFalse(Files.exists(htpasswd), "the htpasswd file is removed with basic auth");
  }

  @Test
  @Order(2)
  void basicAndTokenTogetherBlockAndKeepTheRegistry() {
    String before = SimUnit.idAndStart(unit.name);
    unit.config(Map.of("auth-basic-password", PASSWORD_ONE, "auth-token-realm", "https://auth.example/token",
        "auth-token-service", "registry", "auth-token-issuer", "issuer",
        "auth-token-root-certs", Base64.getEncoder().encodeToString("nope".getBytes(StandardCharsets.UTF_8))), List.of());
    Model.StatusInfo status = unit.status();
    assertEquals("blocked", status.status);
    assertEquals("Invalid charm config: auth-basic-password, auth-token-realm, auth-token-root-certs", status.message);
    assertEquals(before, SimUnit.idAndStart(unit.name));
    unit.config(Map.of(), List.of("auth-basic-password", "auth-token-realm", "auth-token-service", "auth-token-issuer", "auth-token-root-certs"));
    unit.assertActive();
  }

  @Test
  @Order(100)
  void noSecretInLogsStatusOrContainer() {
    List<String> seen = unit.observableText();
    for (String text : seen) {
      for (String secret : secrets) {
        assertFalse(text.contains(secret), "a secret in: " + text);
      }
    }
  }

  private Cmd docker(String... args) {
    String[] argv = new String[args.length + 3];
    argv[0] = "docker";
    argv[1] = "--config";
    argv[2] = dockerConfig.toString();
    System.arraycopy(args, 0, argv, 3, args.length);
    return Cmd.run(argv);
  }

  private int basic(String user, String password) {
    String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return Http.send("GET", "http://" + unit.netloc() + "/v2/_catalog", "Authorization", "Basic " + token).statusCode();
  }
}
