package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The actions against a registry that serves HTTPS, verifies client certificates and wants basic
 * auth: push through the unit's engine (which trusts what the charm wrote in certs.d), then catalog,
 * delete and garbage-collect through the registry's API on 127.0.0.1, a name the certificate does
 * not carry (the actions trust exactly the served certificate). Checked with the real docker
 * client; no password or key in any action output.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ActionsTlsAuthIT {
  static final String PASSWORD = "actions-Pa55word-over-https";

  SimUnit unit;
  String netloc;
  HostTrust trust;
  Path dockerConfig;
  String keyBody;
  final List<String> images = new ArrayList<>();
  final List<ActionOutcome> outcomes = new ArrayList<>();

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-actions-tls");
    String host = TestNet.hostAddress();
    unit.sim.setAddress(SimUnit.UNIT, host);
    unit.hook("config-changed");
    netloc = host + ":" + unit.port;
    TestPki pki = TestPki.create(unit.work.resolve("pki"), "it-actions-ca");
    CertAndKey server = pki.server("registry", List.of("IP:" + host));
    String key = server.keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    keyBody = key.substring(key.length() / 2, key.length() / 2 + 40);
    unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem()),
        "auth-basic-user", "alice", "auth-basic-password", PASSWORD, "storage-delete", true), List.of());
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    trust = HostTrust.install(netloc, unit.root.resolve("etc/docker/certs.d/" + netloc));
    dockerConfig = Files.createDirectory(unit.work.resolve("docker-config"));
  }

  @AfterAll
  void destroy() {
    if (trust != null) {
      trust.close();
    }
    if (unit != null) {
      images.forEach(i -> Cmd.run("docker", "rmi", "-f", i));
      unit.close();
    }
  }

  @Test
  @Order(1)
  void pushCatalogDeleteAndGarbageCollectOverHttpsWithBasicAuth() throws IOException {
    String image = TestImages.random(unit.work, "it/tls-actions:" + unit.name, 300_000);
    images.add(image);
    ActionOutcome push = run("push", Map.of("image", image, "pull", false));
    assertEquals("completed", push.status, push.message);
    String tag = netloc + "/it/tls-actions:" + unit.name;
    images.add(tag);
    assertEquals(tag, push.results.get("tag"));
    String digest = (String) push.results.get("digest");
    assertTrue(digest.startsWith("sha256:"), push.results.toString());

    Cmd.ok("docker", "rmi", tag);
    assertEquals(0, docker("login", "-u", "alice", "-p", PASSWORD, netloc).exitCode());
    String byDigest = netloc + "/it/tls-actions@" + digest;
    images.add(byDigest);
    Cmd pull = docker("pull", byDigest);
    assertEquals(0, pull.exitCode(), "pullable by the digest the action returned, over HTTPS with a login: " + pull.output());

    ActionOutcome catalog = run("catalog", Map.of());
    assertEquals("completed", catalog.status, catalog.message);
    assertTrue(((String) catalog.results.get("output")).contains("it/tls-actions"), catalog.results.toString());
    assertTrue(((String) catalog.results.get("output")).contains(unit.name), catalog.results.toString());

    ActionOutcome delete = run("delete", Map.of("image", "it/tls-actions:" + unit.name));
    assertEquals("completed", delete.status, delete.message);
    assertEquals(digest, delete.results.get("digest"));

    ActionOutcome gc = run("garbage-collect", Map.of());
    assertEquals("completed", gc.status, gc.message);
    assertTrue(Long.parseLong((String) gc.results.get("bytes-freed")) > 300_000, gc.results.toString());
    unit.assertActive();
    assertEquals("Ready at " + netloc + " (https).", unit.status().message);
    assertEquals("0", run("catalog", Map.of("repository", "it/tls-actions")).results.get("tags"));
  }

  @Test
  @Order(100)
  void noPasswordOrKeyInAnyActionOutputLogOrStatus() {
    List<String> seen = unit.observableText();
    outcomes.forEach(o -> seen.add(o.results + "\n" + o.logs + "\n" + o.message + "\n" + o.stdout + "\n" + o.stderr));
    for (String text : seen) {
      assertFalse(text.contains(PASSWORD), "the password in: " + text);
      assertFalse(text.contains(keyBody) || text.contains("PRIVATE KEY"), "key material in: " + text);
    }
  }

  private ActionOutcome run(String action, Map<String, Object> params) {
    ActionOutcome outcome = unit.sim.runAction(SimUnit.UNIT, action, params);
    outcomes.add(outcome);
    assertEquals(0, outcome.exitCode, outcome + "\n" + outcome.stderr);
    return outcome;
  }

  private Cmd docker(String... args) {
    String[] argv = new String[args.length + 3];
    argv[0] = "docker";
    argv[1] = "--config";
    argv[2] = dockerConfig.toString();
    System.arraycopy(args, 0, argv, 3, args.length);
    return Cmd.run(argv);
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
