package charm.tls;

import java.nio.file.Path;

/** An easy-rsa PKI (what the easyrsa charm runs), in dir/pki. */
final class EasyRsaPki {
  final Path dir;

  /** Files as easyrsa wrote them: the issued certificate has a text dump before BEGIN. */
  record Issued(String cert, String key) {}

  EasyRsaPki(Path dir, String caName) {
    this.dir = dir;
    Cli.easyrsa(dir, "init-pki");
    Cli.easyrsa(dir, "--req-cn=" + caName, "build-ca", "nopass");
  }

  String caCert() {
    return Cli.read(dir.resolve("pki/ca.crt"));
  }

  /** build-server-full, as easyrsa's create_server_cert does; san like "IP:10.0.0.5,DNS:a.example". */
  Issued server(String name, String san) {
    Cli.easyrsa(dir, "--subject-alt-name=" + san, "build-server-full", name, "nopass");
    return issued(name);
  }

  /** build-client-full, as easyrsa's global client certificate. */
  Issued client(String name) {
    Cli.easyrsa(dir, "build-client-full", name, "nopass");
    return issued(name);
  }

  private Issued issued(String name) {
    return new Issued(Cli.read(dir.resolve("pki/issued/" + name + ".crt")), Cli.read(dir.resolve("pki/private/" + name + ".key")));
  }
}
