package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Swift behind a real Keystone v3 ({@link KeystoneServer}), with the user and its project in a
 * domain of their own: every storage-swift-* option is set (a v3 auth URL, user, password,
 * container, region, tenant = the project, domain = the user's and the project's domain) and the
 * registry stores into the project's Swift account, which the Keystone catalog names. Without the
 * domain Keystone does not find the user: the new registry cannot start and the charm keeps the
 * previous one serving.
 */
@Tag("docker")
class SwiftKeystoneIT {

  Path work;
  KeystoneServer keystone;
  SwiftServer swift;
  SimUnit unit;
  String ref;

  @AfterEach
  void cleanUp() {
    if (ref != null) {
      Cmd.run("docker", "rmi", ref);
    }
    if (unit != null) {
      unit.close();
    }
    if (swift != null) {
      swift.close();
    }
    if (keystone != null) {
      keystone.close();
    }
    TestFiles.deleteTree(work);
  }

  @Test
  void everySwiftOptionWithAKeystoneV3Domain() throws IOException {
    work = Files.createTempDirectory("it-keystone");
    keystone = KeystoneServer.start(work.resolve("keystone"));
    swift = SwiftServer.startWithKeystone(work.resolve("swift"), keystone);
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String domain = "it-domain-" + suffix;
    String project = "it-project";
    String user = "it-user";
    String password = "Keystone-" + UUID.randomUUID();
    String domainId = keystone.create("domains", "domain", Map.of("name", domain));
    String projectId = keystone.create("projects", "project", Map.of("name", project, "domain_id", domainId));
    String userId = keystone.create("users", "user", Map.of("name", user, "domain_id", domainId, "password", password));
    keystone.grant(projectId, userId, "member");

    String container = "it-keystone-" + suffix;
    unit = SimUnit.deploy("it-keystone", m -> m.config.putAll(Map.of(
        "storage-swift-authurl", keystone.url(),
        "storage-swift-username", user,
        "storage-swift-password", password,
        "storage-swift-container", container,
        "storage-swift-region", KeystoneServer.REGION,
        "storage-swift-tenant", project,
        "storage-swift-domain", domain)));
    unit.assertActive();
    String config = Files.readString(unit.configFile());
    for (String line : List.of("authurl: \"" + keystone.url() + "\"", "username: \"" + user + "\"", "container: \"" + container + "\"",
        "region: \"RegionOne\"", "tenant: \"" + project + "\"", "domain: \"" + domain + "\"")) {
      assertTrue(config.contains("\n    " + line + "\n"), line + " in\n" + config);
    }

    ref = unit.netloc() + "/it/keystone:1";
    TestImages.random(work, ref, 1 << 20);
    String digest = TestImages.push(ref);
    String layer = RegistryApi.layers(unit.netloc(), "it/keystone", "1").get(0);
    String token = keystone.token(user, domain, password, project, domain);
    String blob = "files/" + RegistryApi.blobPath(layer);
    assertEquals(List.of(blob), swift.objects(projectId, token, container, blob), "in the project's account");
    Cmd.ok("docker", "rmi", ref);
    Cmd.ok("docker", "pull", ref);
    assertTrue(Cmd.ok("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", ref).contains("@" + digest));

    String before = SimUnit.idAndStart(unit.name).split(" ")[0];
    unit.config(Map.of(), List.of("storage-swift-domain")); // the user is not in Default
    assertEquals("blocked", unit.status().status);
    assertTrue(unit.status().message.startsWith("Cannot start " + unit.name + ": ") && unit.status().message.endsWith("(previous container kept)"),
        unit.status().message);
    // It says what the registry did and why, in its own words (measured: "the new container exited
    // with code 2 after 0.44 s and was restarted: panic: swift authentication failed: Authorization Failed").
    assertTrue(unit.status().message.matches(".*: the new container (exited with code [0-9]+ after|kept restarting).*: "
        + "panic: swift authentication failed: .*"), unit.status().message);
    // The previous container is back (stopped for the attempt, started again).
    assertEquals(before, SimUnit.idAndStart(unit.name).split(" ")[0], "the previous registry serves on");
    // It authenticates at start, with the domain it has.
    Http.await("http://" + unit.netloc() + "/v2/", status -> status == 200, java.time.Duration.ofSeconds(20));

    unit.config(Map.of("storage-swift-domain", domain), List.of());
    unit.assertActive();
    for (String text : unit.observableText()) {
      assertFalse(text.contains(password), "the Swift password leaked: " + text);
    }
  }
}
