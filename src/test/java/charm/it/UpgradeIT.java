package charm.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code juju refresh} from Canonical's reactive charm to this one, on the real engine: a unit set
 * up the way the reactive charm left it ({@link ReactiveCharmUnit}: its container started with the
 * docker CLI and its arguments, images pushed into it, its config.yml, htpasswd and TLS files,
 * daemon.json with its entry next to layer:docker's keys, the secret in leader settings) is
 * refreshed to the packed charm with the same options. The registry must keep serving every image
 * (same digests), TLS and credentials; the container is recreated once with this charm's labels;
 * daemon.json is not touched and dockerd is neither restarted nor reloaded.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpgradeIT {
  static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
  static final Path DOCKER_PID = Path.of("/var/run/docker.pid");

  Path work;
  final List<String> tags = new ArrayList<>();

  @BeforeAll
  void setUp() throws IOException {
    work = Files.createTempDirectory("upgrade-it");
  }

  @AfterAll
  void tearDown() {
    tags.forEach(t -> Cmd.run("docker", "rmi", t));
    TestFiles.deleteTree(work);
  }

  @Test
  void aPlainRegistryKeepsItsImagesAndOptionsTheOldCharmRan() throws IOException {
    String dockerdPid = Files.readString(DOCKER_PID).trim();
    // Values the old charm ran that this charm refused before: a scheme-less proxy and an
    // upper-case log level.
    Map<String, Object> options = Map.of("registry-http-proxy", "proxy.example:3128", "log-level", "INFO");
    try (ReactiveCharmUnit old = ReactiveCharmUnit.deploy("it-upgrade", "127.0.0.1", options)) {
      Map<String, String> digests = new LinkedHashMap<>();
      for (String repo : List.of("it/upgrade-one", "it/upgrade-two")) {
        String ref = old.netloc() + "/" + repo + ":1";
        tags.add(TestImages.tiny(work.resolve(repo), ref));
        Cmd.ok("docker", "push", ref);
        digests.put(repo, digest(old.netloc(), repo));
      }
      byte[] daemonJson = Files.readAllBytes(old.file(ReactiveCharmUnit.DAEMON_JSON));

      assertEquals("", Cmd.ok("docker", "inspect", "-f", "{{index .Config.Labels \"charm.docker-registry.model-uuid\"}}", old.name).trim(),
          "the old charm's container has no labels");
      List<HookResult> hooks = old.refresh();
      assertEquals(List.of("upgrade-charm", "config-changed"), hooks.stream().map(HookResult::hook).toList());

      assertEquals("active", old.sim.unitStatus(ReactiveCharmUnit.UNIT).status, old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
      assertEquals("Ready at " + old.netloc() + " (http).", old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
      String adopted = adoptedOnce(old);
      String env = Cmd.ok("docker", "inspect", "-f", "{{json .Config.Env}}", adopted);
      assertTrue(env.contains("\"HTTP_PROXY=proxy.example:3128\""), env);
      assertTrue(Files.readString(old.file(ReactiveCharmUnit.CONFIG)).contains("  level: \"info\"\n"));
      for (Map.Entry<String, String> e : digests.entrySet()) {
        String ref = old.netloc() + "/" + e.getKey() + ":1";
        assertEquals(e.getValue(), digest(old.netloc(), e.getKey()), e.getKey() + " keeps its digest");
        Cmd.ok("docker", "rmi", ref);
        Cmd.ok("docker", "pull", ref);
        assertTrue(Cmd.ok("docker", "inspect", "-f", "{{json .RepoDigests}}", ref).contains("@" + e.getValue()), "pulled back: " + ref);
      }
      assertArrayEquals(daemonJson, Files.readAllBytes(old.file(ReactiveCharmUnit.DAEMON_JSON)),
          "daemon.json untouched: the old entry is the one this charm wants, layer:docker's keys stay");
      assertEquals(old.netloc(), old.sim.unitState(ReactiveCharmUnit.UNIT).get("trusted-netloc"), "and it knows the entry is its own now");
      assertSecretKept(old);
      assertEquals(List.of(old.port + "/tcp"), old.sim.openedPorts(ReactiveCharmUnit.UNIT));
    }
    assertEquals(dockerdPid, Files.readString(DOCKER_PID).trim(), "dockerd was not restarted");
  }

  @Test
  void httpsAndBasicAuthFromOptionsKeepServingTheSameCertificateAndCredentials() throws IOException {
    String dockerdPid = Files.readString(DOCKER_PID).trim();
    String host = TestNet.hostAddress();
    try (TestPki pki = TestPki.create(work.resolve("pki"), "it-upgrade-ca")) {
      CertAndKey server = pki.server("registry", List.of("IP:" + host, "IP:127.0.0.1"));
      CertAndKey client = pki.client("it-upgrade-client");
      Path certDir = Files.createDirectories(work.resolve("client-certs"));
      Files.writeString(certDir.resolve("ca.crt"), pki.caPem());
      Files.writeString(certDir.resolve("client.cert"), client.certPem());
      Files.writeString(certDir.resolve("client.key"), client.keyPem());
      Path noClientCert = Files.createDirectories(work.resolve("ca-only"));
      Files.writeString(noClientCert.resolve("ca.crt"), pki.caPem());
      String password = "upgrade-Pa55word";
      Map<String, Object> options = Map.of("tls-cert-blob", b64(server.certPem()), "tls-key-blob", b64(server.keyPem()),
          "tls-ca-blob", b64(pki.caPem()), "auth-basic-user", "operator", "auth-basic-password", password);
      try (ReactiveCharmUnit old = ReactiveCharmUnit.deploy("it-upgrade-tls", host, options)) {
        String tiny = TestImages.tiny(work.resolve("tls-image"), "it/upgrade-tls-source:" + old.name);
        tags.add(tiny);
        String image = "docker://" + old.netloc() + "/it/upgrade-tls:1";
        List<String> creds = List.of("--creds", "operator:" + password, "--cert-dir", certDir.toString());
        Cmd.ok("skopeo", "copy", "--dest-creds", "operator:" + password, "--dest-cert-dir", certDir.toString(), "docker-daemon:" + tiny, image);
        String before = skopeo(creds, "inspect", "--format", "{{.Digest}}", image).trim();
        String servedBefore = servedCertificate(old, certDir);
        assertNotEquals(0, Cmd.run("skopeo", "inspect", "--creds", "operator:wrong", "--cert-dir", certDir.toString(), image).exitCode(),
            "the old registry checks the password");
        assertNotEquals(0, Cmd.run("skopeo", "inspect", "--creds", "operator:" + password, "--cert-dir", noClientCert.toString(), image).exitCode(),
            "and wants a client certificate");
        byte[] daemonJson = Files.readAllBytes(old.file(ReactiveCharmUnit.DAEMON_JSON));
        byte[] htpasswdBefore = Files.readAllBytes(old.file(ReactiveCharmUnit.HTPASSWD));

        old.refresh();

        assertEquals("active", old.sim.unitStatus(ReactiveCharmUnit.UNIT).status, old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
        assertEquals("Ready at " + old.netloc() + " (https).", old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
        adoptedOnce(old);
        assertEquals(before, skopeo(creds, "inspect", "--format", "{{.Digest}}", image).trim(), "the image keeps its digest");
        Cmd.ok("skopeo", "copy", "--src-creds", "operator:" + password, "--src-cert-dir", certDir.toString(), image,
            "dir:" + work.resolve("pulled"));
        assertEquals(servedBefore, servedCertificate(old, certDir), "the same certificate is served");

        Cmd wrong = Cmd.run("skopeo", "inspect", "--creds", "operator:wrong-" + password, "--cert-dir", certDir.toString(), image);
        assertNotEquals(0, wrong.exitCode(), "a wrong password is refused: " + wrong.output());
        Cmd anonymousTls = Cmd.run("skopeo", "inspect", "--creds", "operator:" + password, "--cert-dir", noClientCert.toString(), image);
        assertNotEquals(0, anonymousTls.exitCode(), "clients still need a certificate from the CA: " + anonymousTls.output());

        assertEquals(server.certPem(), Files.readString(old.file("/etc/docker/registry/registry.crt")), "tls-cert-path keeps its file");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(old.file("/etc/docker/registry/registry.key"))),
            "the key written from the blob is now private");
        assertArrayEquals(htpasswdBefore, Files.readAllBytes(old.file(ReactiveCharmUnit.HTPASSWD)),
            "the old htpasswd stays for a refresh back; the registry reads the charm's own");
        assertArrayEquals(daemonJson, Files.readAllBytes(old.file(ReactiveCharmUnit.DAEMON_JSON)), "daemon.json untouched");
        assertSecretKept(old);
      }
    }
    assertEquals(dockerdPid, Files.readString(DOCKER_PID).trim(), "dockerd was not restarted");
  }

  @Test
  void optionsTheOldCharmIgnoredBlockWithWhatToSetAndTheOldRegistryKeepsServing() throws IOException {
    try (ReactiveCharmUnit old = ReactiveCharmUnit.deploy("it-upgrade-strict", "127.0.0.1", Map.of("storage-s3-region", "us-east-1"))) {
      String ref = old.netloc() + "/it/upgrade-strict:1";
      tags.add(TestImages.tiny(work.resolve("strict-image"), ref));
      Cmd.ok("docker", "push", ref);
      String digest = digest(old.netloc(), "it/upgrade-strict");

      old.refresh();

      assertEquals("blocked", old.sim.unitStatus(ReactiveCharmUnit.UNIT).status);
      assertEquals("Invalid charm config: storage-s3-bucket (required for s3 storage)", old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
      assertEquals(old.oldContainer, Cmd.ok("docker", "inspect", "-f", "{{.Id}}", old.name).trim(), "the old container is left alone");
      assertEquals(digest, digest(old.netloc(), "it/upgrade-strict"), "and keeps serving");

      // What the old charm did: filesystem storage, with the region unset.
      old.sim.config(Map.of(), List.of("storage-s3-region")).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
      assertEquals("active", old.sim.unitStatus(ReactiveCharmUnit.UNIT).status, old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
      adoptedOnce(old);
      assertEquals(digest, digest(old.netloc(), "it/upgrade-strict"));
    }
  }

  @Test
  void certificateFilesLinkedAtTheTlsPathsKeepBeingServed() throws IOException {
    String host = TestNet.hostAddress();
    try (TestPki pki = TestPki.create(work.resolve("pki-links"), "it-upgrade-links-ca")) {
      CertAndKey server = pki.server("registry", List.of("IP:" + host));
      Path trustOnly = Files.createDirectories(work.resolve("trust-only"));
      Files.writeString(trustOnly.resolve("ca.crt"), pki.caPem());
      // As a certificate tool lays them out: the files elsewhere, links at the tls-*-path defaults.
      java.util.function.Consumer<Path> links = root -> {
        try {
          Path live = Files.createDirectories(root.resolve("etc/ssl/it-registry"));
          Files.writeString(live.resolve("fullchain.pem"), server.certPem());
          Files.writeString(live.resolve("privkey.pem"), server.keyPem());
          Path dir = Files.createDirectories(root.resolve("etc/docker/registry"));
          Files.createSymbolicLink(dir.resolve("registry.crt"), Path.of("../../ssl/it-registry/fullchain.pem"));
          Files.createSymbolicLink(dir.resolve("registry.key"), Path.of("../../ssl/it-registry/privkey.pem"));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };
      try (ReactiveCharmUnit old = ReactiveCharmUnit.deploy("it-upgrade-links", host, Map.of(), links)) {
        String tiny = TestImages.tiny(work.resolve("links-image"), "it/upgrade-links-source:" + old.name);
        tags.add(tiny);
        String image = "docker://" + old.netloc() + "/it/upgrade-links:1";
        Cmd.ok("skopeo", "copy", "--dest-cert-dir", trustOnly.toString(), "docker-daemon:" + tiny, image);
        String before = Cmd.ok("skopeo", "inspect", "--cert-dir", trustOnly.toString(), "--format", "{{.Digest}}", image).trim();

        old.refresh();

        assertEquals("Ready at " + old.netloc() + " (https).", old.sim.unitStatus(ReactiveCharmUnit.UNIT).message);
        adoptedOnce(old);
        assertEquals(before, Cmd.ok("skopeo", "inspect", "--cert-dir", trustOnly.toString(), "--format", "{{.Digest}}", image).trim());
        Path link = old.file("/etc/docker/registry/registry.crt");
        assertTrue(Files.isSymbolicLink(link), "the operator's link stays a link");
        assertEquals(server.certPem(), Files.readString(link));
      }
    }
  }

  /**
   * The old container was replaced by one of this charm's (its labels) under the same name, the
   * old one is gone, and further hooks keep the new one: returns its id.
   */
  private static String adoptedOnce(ReactiveCharmUnit old) {
    String id = Cmd.ok("docker", "inspect", "-f", "{{.Id}}", old.name).trim();
    assertNotEquals(old.oldContainer, id, "recreated with this charm's spec");
    assertTrue(old.sim.logs(ReactiveCharmUnit.UNIT).stream()
        .anyMatch(l -> l.message.equals("Adopting container " + old.name + " left by the previous charm; it will be replaced")));
    old.sim.logs(ReactiveCharmUnit.UNIT).stream().filter(l -> l.message.startsWith("Replaced container " + old.name + " "))
        .forEach(l -> System.out.println("adoption: " + l.message));
    assertEquals(old.sim.model().modelUuid,
        Cmd.ok("docker", "inspect", "-f", "{{index .Config.Labels \"charm.docker-registry.model-uuid\"}}", old.name).trim());
    assertEquals(ReactiveCharmUnit.UNIT,
        Cmd.ok("docker", "inspect", "-f", "{{index .Config.Labels \"charm.docker-registry.owner-unit\"}}", old.name).trim());
    assertNotEquals(0, Cmd.run("docker", "inspect", old.oldContainer).exitCode(), "the old container is removed");
    List<String> named = Cmd.lines(Cmd.ok("docker", "ps", "-a", "--filter", "name=" + old.name, "--format", "{{.Names}}"));
    assertEquals(List.of(old.name), named, "no container left aside");
    String started = SimUnit.idAndStart(old.name);
    for (String hook : List.of("update-status", "config-changed", "update-status")) {
      HookResult h = old.sim.hook(ReactiveCharmUnit.UNIT, hook);
      assertEquals(0, h.exitCode(), h.stderr());
      assertEquals("active", old.sim.unitStatus(ReactiveCharmUnit.UNIT).status, hook);
    }
    assertEquals(started, SimUnit.idAndStart(old.name), "recreated once: later hooks keep it");
    assertTrue(Files.isDirectory(old.file("/srv/registry/docker/registry/v2/repositories")), "the data stayed in /srv/registry");
    return id;
  }

  /** The old leader's secret is the registry's http.secret and moved to the peer relation unchanged. */
  private static void assertSecretKept(ReactiveCharmUnit old) throws IOException {
    assertTrue(Files.readString(old.file(ReactiveCharmUnit.CONFIG)).contains("  secret: \"" + old.secret + "\"\n"));
    assertEquals(old.secret, old.sim.localAppData(old.sim.peerRelationId("peer")).get("http-secret"));
    assertEquals(null, old.sim.leaderSettings().get("http-secret"), "removed from leader settings once moved");
  }

  /** The manifest digest of {@code repo:1} from the registry API (plain HTTP). */
  private static String digest(String netloc, String repo) {
    HttpResponse<String> r = Http.send("HEAD", "http://" + netloc + "/v2/" + repo + "/manifests/1", "Accept", MANIFEST_V2);
    assertEquals(200, r.statusCode(), repo);
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  /** The fingerprint of the certificate the registry presents (verified; with a client certificate). */
  private static String servedCertificate(ReactiveCharmUnit old, Path certDir) {
    String out = Cmd.ok("sh", "-c", "openssl s_client -connect " + old.netloc() + " -CAfile " + certDir.resolve("ca.crt")
        + " -cert " + certDir.resolve("client.cert") + " -key " + certDir.resolve("client.key")
        + " -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256");
    assertTrue(out.contains("Fingerprint="), out);
    return out.trim();
  }

  private static String skopeo(List<String> options, String command, String... args) {
    List<String> argv = new ArrayList<>(List.of("skopeo", command));
    argv.addAll(options);
    argv.addAll(List.of(args));
    return Cmd.ok(argv.toArray(new String[0]));
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
