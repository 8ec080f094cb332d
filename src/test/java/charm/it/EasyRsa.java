package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PKI made by the real easy-rsa 3 scripts, as the easyrsa charm makes it: batch mode, its own
 * {@code EASYRSA_PKI} under {@code dir}, keys without a passphrase. Issued certificate files are
 * returned as easy-rsa wrote them, which includes a text dump before the PEM block. Issuing a
 * name again revokes the previous certificate first, as the easyrsa charm does when the SANs of
 * a request change. {@link #close()} deletes the directory.
 */
final class EasyRsa implements AutoCloseable {
  static final Path EASYRSA = Path.of("/usr/share/easy-rsa/easyrsa");
  /** The name of the one client certificate the easyrsa charm shares with every requirer. */
  static final String GLOBAL_CLIENT = "client";

  private final Path dir;
  private final Path pki;
  private final Set<String> issued = new HashSet<>();

  private EasyRsa(Path dir) {
    this.dir = dir;
    this.pki = dir.resolve("pki");
  }

  /** init-pki and build-ca with common name {@code caName}. */
  static EasyRsa create(Path dir, String caName) {
    if (!Files.isExecutable(EASYRSA)) {
      throw new AssertionError(EASYRSA + " is missing: install easy-rsa (scripts/ensure-env.sh)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    EasyRsa e = new EasyRsa(dir);
    e.run("init-pki");
    e.run("--req-cn=" + caName, "build-ca", "nopass");
    return e;
  }

  /** build-server-full: EKU serverAuth, common name {@code name}, SANs ("IP:…", "DNS:…"). */
  CertAndKey serverFull(String name, List<String> sans) {
    List<String> args = new ArrayList<>();
    if (!sans.isEmpty()) {
      args.add("--subject-alt-name=" + String.join(",", sans));
    }
    args.addAll(List.of("build-server-full", name, "nopass"));
    return issue(name, args);
  }

  /** build-client-full: EKU clientAuth, common name {@code name}. */
  CertAndKey clientFull(String name) {
    return issue(name, List.of("build-client-full", name, "nopass"));
  }

  String caPem() {
    return read(caCertPath());
  }

  Path caCertPath() {
    return pki.resolve("ca.crt");
  }

  /**
   * What an easyrsa provider unit publishes on a legacy tls-certificates relation for a requirer
   * whose {@code unit_name} is {@code requirerUnitName} (e.g. {@code docker-registry_0}) and which
   * asked for a server certificate {@code commonName} with {@code sans} (plain names and addresses,
   * as the requirer sends them): the CA, the global client
   * certificate and the server certificate with its key, all as raw file contents.
   */
  Map<String, String> legacyProviderUnitBag(String requirerUnitName, String commonName, List<String> sans) {
    CertAndKey client = issued.contains(GLOBAL_CLIENT) ? files(GLOBAL_CLIENT) : clientFull(GLOBAL_CLIENT);
    // Like the easyrsa charm: a requested SAN is an IP when it parses as one, else a DNS name.
    CertAndKey server = serverFull(commonName, sans.stream()
        .map(san -> san.matches("[0-9.]+|.*:.*:.*") ? "IP:" + san : "DNS:" + san).toList());
    Map<String, String> bag = new LinkedHashMap<>();
    bag.put("ca", caPem());
    bag.put("client.cert", client.certPem());
    bag.put("client.key", client.keyPem());
    bag.put(requirerUnitName + ".server.cert", server.certPem());
    bag.put(requirerUnitName + ".server.key", server.keyPem());
    return bag;
  }

  @Override
  public void close() {
    TestFiles.deleteTree(dir);
  }

  private CertAndKey issue(String name, List<String> args) {
    if (issued.contains(name)) {
      run("revoke", name);
    }
    run(args.toArray(new String[0]));
    issued.add(name);
    return files(name);
  }

  private CertAndKey files(String name) {
    return new CertAndKey(pki.resolve("issued/" + name + ".crt"), pki.resolve("private/" + name + ".key"));
  }

  private void run(String... args) {
    List<String> argv = new ArrayList<>(List.of("env", "EASYRSA_BATCH=1", "EASYRSA_PKI=" + pki, EASYRSA.toString()));
    argv.addAll(List.of(args));
    Cmd.ok(argv.toArray(new String[0]));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
