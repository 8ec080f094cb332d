package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import charm.relations.ProxyServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What haproxy's check proves over HTTPS, with the real haproxy configured from the {@code
 * services} the leader publishes and the real registry binary serving TLS: without client
 * certificates the check is {@code GET /} in a TLS connection of its own, so a registry whose
 * storage fails its health check (503 to everything) is taken out and put back once the storage
 * answers; a registry that requires client certificates refuses haproxy's check connection, so
 * that check can only be a TCP connect.
 *
 * <p>The storage "fails" by replacing a directory above the filesystem root with a file: the
 * driver's health check then stats a path that is not a directory, an error (not "no data yet").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HaproxyHttpsCheckIT {
  /** fall 5 x inter 2 s, plus the registry's 1 s check and slack for a loaded machine. */
  static final Duration DOWN_WITHIN = Duration.ofSeconds(30);

  Path work;
  TestPki pki;
  CertAndKey server;

  @BeforeAll
  void setUp() throws IOException {
    work = Files.createTempDirectory("haproxy-https-it");
    pki = TestPki.create(TestFiles.mkdirs(work.resolve("pki")), "h-docs haproxy check CA");
    server = pki.server("127.0.0.1", List.of("IP:127.0.0.1"));
  }

  @AfterAll
  void tearDown() {
    TestFiles.deleteTree(work);
  }

  private String config(Path storage, boolean clientCas) {
    return "version: 0.1\nlog:\n  level: info\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n"
        + "health:\n  storagedriver:\n    enabled: true\n    interval: 1s\n    threshold: 1\n"
        + "http:\n  tls:\n    certificate: " + server.cert() + "\n    key: " + server.key() + "\n"
        + (clientCas ? "    clientcas:\n      - " + pki.caCertPath() + "\n" : "");
  }

  private static String services(int port, boolean clientCertificates) {
    return ProxyServices.yaml("docker-registry", port, List.of(new ProxyServices.Server("docker-registry/0", "127.0.0.1", port)),
        true, clientCertificates);
  }

  @Test
  void withoutClientCertificatesAStorageOutageTakesTheUnitOutAndBackIn() throws IOException {
    Path parent = TestFiles.mkdirs(work.resolve("storage-a"));
    Path storage = TestFiles.mkdirs(parent.resolve("root"));
    try (RegistryProcess registry = RegistryProcess.start(work.resolve("registry-a"), config(storage, false));
        Haproxy haproxy = Haproxy.start(work.resolve("haproxy-a"), services(registry.port(), false))) {
      awaitState(haproxy, "UP", "L7OK.*", registry);
      Path aside = work.resolve("storage-a-aside");
      Files.move(parent, aside);
      Files.writeString(parent, "not a directory");
      awaitState(haproxy, "DOWN", "L7STS.*", registry);
      Files.delete(parent);
      Files.move(aside, parent);
      awaitState(haproxy, "UP", "L7OK.*", registry);
    }
  }

  @Test
  void withClientCertificatesAnHttpCheckCouldNeverPassSoTheCheckConnects() {
    Path storage = TestFiles.mkdirs(work.resolve("storage-b/root"));
    try (RegistryProcess registry = RegistryProcess.start(work.resolve("registry-b"), config(storage, true))) {
      // The HTTP-over-TLS check against a healthy registry that requires client certificates: down.
      try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy-b1"), services(registry.port(), false))) {
        awaitState(haproxy, "DOWN", "L6.*|SOCKERR.*", registry); // the TLS handshake or the read after it fails
      }
      // What the charm publishes in this mode: a connect check, which passes.
      try (Haproxy haproxy = Haproxy.start(work.resolve("haproxy-b2"), services(registry.port(), true))) {
        awaitState(haproxy, "UP", "L4OK.*", registry);
      }
    }
  }

  /** Until the server is in {@code state} and its last check matched {@code check}, a regular expression over haproxy's check status (L7OK, L4OK, L7STS, ...). */
  private static void awaitState(Haproxy haproxy, String state, String check, RegistryProcess registry) {
    Poll.until(DOWN_WITHIN, () -> haproxy.serverState("docker-registry-0").equals(state) && lastCheck(haproxy).matches(check),
        () -> "server not " + state + " after a " + check + " check (last: " + lastCheck(haproxy) + "):\n" + haproxy.admin("show stat")
            + "\nhaproxy log:\n" + haproxy.log() + "\nregistry log:\n" + registry.log());
  }

  /** The {@code check_status} column of the one server in {@code show stat}. */
  private static String lastCheck(Haproxy haproxy) {
    List<String> rows = Cmd.lines(haproxy.admin("show stat"));
    List<String> header = List.of(rows.get(0).substring(2).split(",", -1));
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",", -1);
      if (f[1].equals("docker-registry-0")) {
        return f[header.indexOf("check_status")];
      }
    }
    throw new AssertionError("no server docker-registry-0:\n" + String.join("\n", rows));
  }
}
