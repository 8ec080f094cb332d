package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * One unit as a member of a model: what it tells containerd clients (docker-registry), haproxy
 * (website) and nrpe (nrpe-external-master), checked by decoding the relation data and by running
 * the Nagios check the charm wrote with the real check_http plugin.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelationsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  SimUnit unit;

  @BeforeAll
  void deploy() {
    unit = SimUnit.deploy("it-relations");
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      unit.close();
    }
  }

  @AfterEach
  void stillActive() {
    unit.assertActive();
  }

  @Test
  void clientsLearnWhereAndHowToReachTheRegistryAndFollowItsChanges() throws Exception {
    int first = unit.sim.integrate("docker-registry", "containerd", List.of("containerd/0"), Map.of(), Map.of());
    try {
      assertEquals(Map.of("registry_netloc", unit.netloc(), "registry_url", "http://" + unit.netloc(), "basic_user", "null",
          "basic_password", "null", "tls_ca", "null"), decoded(first));
      unit.config(Map.of("auth-basic-user", "puller", "auth-basic-password", "12345"), List.of());
      Map<String, String> auth = decoded(first);
      assertEquals("puller", auth.get("basic_user"));
      assertEquals("\"12345\"", unit.sim.localUnitData(first, SimUnit.UNIT).get("basic_password"), "a JSON string, not a number");

      int later = unit.sim.integrate("docker-registry", "containerd-two", List.of("containerd-two/0"), Map.of(), Map.of());
      assertEquals(auth, decoded(later), "a client related later gets the data at once");

      int writesBefore = writes("docker-registry");
      HookResult again = unit.sim.setRemoteUnitData(first, "containerd/0", Map.of("something", "else")).get(0);
      assertEquals(0, again.exitCode(), again.stderr());
      assertEquals(writesBefore, writes("docker-registry"), "a relation hook with nothing changed writes nothing");
      unit.sim.removeRelation(later);
      unit.config(Map.of(), List.of("auth-basic-user", "auth-basic-password"));
      assertEquals("null", unit.sim.localUnitData(first, SimUnit.UNIT).get("basic_user"));

      try (TestPki pki = TestPki.create(unit.work.resolve("client-pki"), "it-clients-ca")) {
        CertAndKey server = pki.server("registry", List.of("IP:127.0.0.1"));
        unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of());
        Map<String, String> https = decoded(first);
        assertEquals("https://" + unit.netloc(), https.get("registry_url"), "https for TLS from the options too");
        assertEquals(pki.caPem().strip(), https.get("tls_ca").strip());
        unit.config(Map.of(), List.of("tls-cert-blob", "tls-key-blob", "tls-ca-blob"));
        assertEquals("null", decoded(first).get("tls_ca"), "and back");
      }
    } finally {
      unit.sim.removeRelation(first);
    }
  }

  /**
   * containerd writes basic_password into its config.toml as a basic string ("...") without
   * escaping: a '"', a '\\' or a control character makes every node's config invalid. While a
   * client is related, such a password blocks the unit and changes nothing: the registry keeps
   * its previous password and the clients keep theirs.
   */
  @Test
  void aPasswordContainerdCannotTakeBlocksWhileAClientIsRelatedAndChangesNothing() throws Exception {
    String url = "http://" + unit.netloc() + "/v2/";
    String breaking = "hk8s\"quote\\slash";
    unit.config(Map.of("auth-basic-user", "puller", "auth-basic-password", "good-one"), List.of());
    int client = unit.sim.integrate("docker-registry", "containerd", List.of("containerd/0"), Map.of(), Map.of());
    try {
      String container = SimUnit.idAndStart(unit.name);
      unit.config(Map.of("auth-basic-password", breaking), List.of());

      assertEquals("blocked", unit.status().status, unit.status().message);
      assertTrue(unit.status().message.startsWith("Invalid charm config: auth-basic-password ("), unit.status().message);
      assertTrue(unit.status().message.contains("docker-registry"), unit.status().message);
      assertEquals("good-one", decoded(client).get("basic_password"), "the breaking password is not published");
      assertEquals(container, SimUnit.idAndStart(unit.name), "the registry keeps serving");
      assertEquals(200, Http.send("GET", url, "Authorization", basic("puller", "good-one")).statusCode(), "with the previous password");
      assertEquals(401, Http.send("GET", url, "Authorization", basic("puller", breaking)).statusCode());

      unit.config(Map.of("auth-basic-password", "good-two"), List.of());
      unit.assertActive();
      assertEquals("good-two", decoded(client).get("basic_password"));
    } finally {
      unit.sim.removeRelation(client);
    }
    unit.config(Map.of("auth-basic-password", breaking), List.of());
    unit.assertActive(); // no client: the registry takes any single-line password
    assertEquals(200, Http.send("GET", url, "Authorization", basic("puller", breaking)).statusCode());

    int later = unit.sim.integrate("docker-registry", "containerd", List.of("containerd/0"), Map.of(), Map.of());
    try {
      assertEquals("blocked", unit.status().status, "a client related later blocks too");
      assertEquals("null", decoded(later).getOrDefault("basic_password", "null"), "and is never sent the password");
    } finally {
      unit.sim.removeRelation(later);
    }
    unit.assertActive();
    unit.config(Map.of(), List.of("auth-basic-user", "auth-basic-password"));
    for (String text : unit.observableText()) {
      assertFalse(text.contains("quote"), "the password in: " + text);
    }
  }

  @Test
  void theLeaderPublishesTheProxyServiceAndClientsGoThroughTheProxy() throws Exception {
    int website = unit.sim.integrate("website", "haproxy", List.of("haproxy/0"), Map.of(),
        Map.of("haproxy/0", Map.of("ingress-address", "10.77.0.9", "private-address", "10.77.0.9")));
    int clients = unit.sim.integrate("docker-registry", "containerd", List.of("containerd/0"), Map.of(), Map.of());
    try {
      Map<String, String> own = unit.sim.localUnitData(website, SimUnit.UNIT);
      assertEquals("127.0.0.1", own.get("hostname"));
      assertEquals(String.valueOf(unit.port), own.get("port"));
      List<Map<String, Object>> services = new Yaml().load(own.get("services"));
      assertEquals("docker-registry", services.get(0).get("service_name"));
      assertEquals(List.of(List.of("docker-registry-0", "127.0.0.1", unit.port, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096")),
          services.get(0).get("servers"));
      assertEquals("Ready at 10.77.0.9:" + unit.port + " (http, proxied).", unit.status().message);
      assertEquals("10.77.0.9:" + unit.port, decoded(clients).get("registry_netloc"), "the proxy's address with the port");

      int writesBefore = writes("website");
      assertEquals(List.of(), unit.hook("config-changed").writes(), "a no-op hook writes nothing to any relation");
      assertEquals(writesBefore, writes("website"), "haproxy is not reloaded for nothing");
    } finally {
      unit.sim.removeRelation(website);
    }
    assertEquals(unit.netloc(), decoded(clients).get("registry_netloc"), "back to the unit itself");
    unit.sim.removeRelation(clients);
  }

  @Test
  void theNagiosCheckPassesWhileTheRegistryServesAndFailsWhenItIsDown() throws Exception {
    int nrpe = unit.sim.integrate("nrpe-external-master", "nrpe", List.of("nrpe/0"), Map.of(),
        Map.of("nrpe/0", Map.of("nagios_hostname", "juju-docker-registry-0", "nagios_host_context", "juju")));
    Path command = unit.root.resolve("etc/nagios/nrpe.d/check_docker_registry.cfg");
    Path service = unit.root.resolve("var/lib/nagios/export/service__docker-registry-0_check_docker_registry.cfg");
    try {
      assertTrue(Files.readString(service).contains("host_name                       juju-docker-registry-0\n"));
      Map<String, String> own = unit.sim.localUnitData(nrpe, SimUnit.UNIT);
      assertTrue(own.get("monitors").contains("command: check_docker_registry"));
      String stamp = own.get("timestamp");
      unit.hook("config-changed");
      assertEquals(stamp, unit.sim.localUnitData(nrpe, SimUnit.UNIT).get("timestamp"), "nrpe is not restarted every hook");

      assertEquals(0, check(command).exitCode(), "OK while the registry serves over http");
      unit.config(Map.of("auth-basic-password", "nagios-does-not-know-it"), List.of());
      assertEquals(0, check(command).exitCode(), "OK with basic auth: GET / is not behind it");
      unit.config(Map.of(), List.of("auth-basic-password"));
      try (TokenIssuer issuer = TokenIssuer.start(unit.work.resolve("token"), "it-issuer", "it-registry")) {
        List<String> token = List.of("auth-token-realm", "auth-token-service", "auth-token-issuer", "auth-token-root-certs");
        unit.config(Map.of(token.get(0), issuer.realm(), token.get(1), issuer.service(), token.get(2), issuer.issuer(),
            token.get(3), issuer.rootCertBundleBase64()), List.of());
        assertEquals(0, check(command).exitCode(), "OK with token auth");
        unit.config(Map.of(), token);
      }

      try (TestPki pki = TestPki.create(unit.work.resolve("pki"), "it-relations-ca")) {
        CertAndKey server = pki.server("registry", List.of("IP:127.0.0.1"));
        unit.config(Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()), "tls-ca-blob", b64(pki.caPem())), List.of());
        assertTrue(Files.readString(command).contains(" -S -J "), "https, presenting the unit's client certificate");
        assertNotEquals(stamp, unit.sim.localUnitData(nrpe, SimUnit.UNIT).get("timestamp"), "a changed check is announced");
        assertEquals(0, check(command).exitCode(), "OK over https with client certificates required");
        unit.config(Map.of(), List.of("tls-cert-blob", "tls-key-blob", "tls-ca-blob"));
      }

      Cmd.ok("docker", "stop", unit.name);
      Cmd down = check(command);
      assertEquals(2, down.exitCode(), "CRITICAL when the registry is down: " + down.output());
      assertEquals("completed", unit.sim.runAction(SimUnit.UNIT, "start", Map.of()).status);
    } finally {
      unit.sim.removeRelation(nrpe);
    }
    assertFalse(Files.exists(command), "the check's files go with the relation");
    assertFalse(Files.exists(service));
  }

  @Test
  void whatTheNrpeUnitSendsGoesIntoTheServiceFileOnlyAsOneNagiosName() throws Exception {
    String injected = "juju-docker-registry-0\ndefine command {\n    command_name pwn\n    command_line /bin/touch /tmp/pwned\n}";
    int nrpe = unit.sim.integrate("nrpe-external-master", "nrpe", List.of("nrpe/0"), Map.of(),
        Map.of("nrpe/0", Map.of("nagios_hostname", injected, "nagios_host_context", "juju")));
    Path command = unit.root.resolve("etc/nagios/nrpe.d/check_docker_registry.cfg");
    Path service = unit.root.resolve("var/lib/nagios/export/service__docker-registry-0_check_docker_registry.cfg");
    try {
      // relation-created ran before nrpe's data arrived: at most the file with the default host name
      String exported = Files.exists(service) ? Files.readString(service) : "";
      assertFalse(exported.contains("define command") || exported.contains("command_line") || exported.contains("pwn"), exported);
      assertTrue(Files.exists(command), "the nrpe command does not depend on the remote data");
      unit.assertActive();
      assertTrue(unit.status().message.endsWith(" Nagios service not updated: nrpe-external-master sent an invalid nagios_hostname."),
          unit.status().message);
      List<String> refusals = unit.sim.logs(SimUnit.UNIT).stream().map(l -> l.message).filter(m -> m.contains("Refused nagios_hostname")).toList();
      assertFalse(refusals.isEmpty(), "the refusal is logged");
      assertTrue(refusals.stream().noneMatch(m -> m.contains("\n") || m.contains("command_line")), "escaped and cut short: " + refusals);

      assertRelationHooksSucceed(unit.sim.setRemoteUnitData(nrpe, "nrpe/0", Map.of("nagios_hostname", "juju-docker-registry-0")));
      String good = Files.readString(service);
      assertTrue(good.contains("host_name                       juju-docker-registry-0\n"), good);
      assertFalse(unit.status().message.contains("Nagios"), unit.status().message);

      assertRelationHooksSucceed(unit.sim.setRemoteUnitData(nrpe, "nrpe/0", Map.of("nagios_host_context", "../../../tmp/x")));
      assertEquals(good, Files.readString(service), "the last good service file stays");
      assertTrue(unit.status().message.endsWith(" sent an invalid nagios_host_context."), unit.status().message);
      unit.assertActive();
      assertEquals(200, Http.status("http://" + unit.netloc() + "/v2/"), "the registry keeps serving");

      assertRelationHooksSucceed(unit.sim.setRemoteUnitData(nrpe, "nrpe/0", Map.of("nagios_host_context", "juju")));
      assertFalse(unit.status().message.contains("Nagios"), "the note goes with the bad data: " + unit.status().message);
    } finally {
      unit.sim.removeRelation(nrpe);
    }
    assertFalse(Files.exists(service));
  }

  private static void assertRelationHooksSucceed(List<HookResult> hooks) {
    assertFalse(hooks.isEmpty());
    for (HookResult hook : hooks) {
      assertEquals(0, hook.exitCode(), hook.stderr());
    }
  }

  /** Runs the command line of the nrpe file (unit paths mapped into the simulated unit's root). */
  private Cmd check(Path commandFile) throws IOException {
    String line = Files.readAllLines(commandFile).stream().filter(l -> l.startsWith("command[")).findFirst().orElseThrow();
    String commandLine = line.substring(line.indexOf("]=") + 2);
    List<String> argv = new ArrayList<>();
    for (String word : commandLine.split(" ")) {
      argv.add(word.startsWith("/etc/") ? unit.root.resolve(word.substring(1)).toString() : word);
    }
    return Cmd.run(argv.toArray(String[]::new));
  }

  private Map<String, String> decoded(int relation) throws IOException {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, String> e : unit.sim.localUnitData(relation, SimUnit.UNIT).entrySet()) {
      if (e.getKey().startsWith("registry_") || e.getKey().startsWith("basic_") || e.getKey().equals("tls_ca")) {
        JsonNode node = JSON.readTree(e.getValue());
        out.put(e.getKey(), node.isNull() ? "null" : node.asText());
      }
    }
    return out;
  }

  private int writes(String what) {
    return (int) unit.sim.logs(SimUnit.UNIT).stream().filter(l -> l.message.contains("Updated " + what + " relation data")).count();
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
