package charm.tls;

import java.nio.file.Path;

/** A CA made with the openssl CLI, issuing server certificates and signing CSRs. */
final class OpenSslPki {
  final Path dir;
  final String name;

  /** Key and certificate PEM as openssl wrote them. */
  record Pair(String key, String cert) {}

  /** A self-signed root CA named name in dir. */
  OpenSslPki(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    Cli.openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-sha256",
        "-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + name,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  private OpenSslPki(Path dir, String name, boolean existing) {
    this.dir = dir;
    this.name = name;
  }

  String caCert() {
    return Cli.read(dir.resolve(name + ".crt"));
  }

  String caKey() {
    return Cli.read(dir.resolve(name + ".key"));
  }

  /** A new RSA key and a certificate for it, CN=cn, signed by this CA; san like "IP:10.0.0.5,DNS:a.example" or null. */
  Pair server(String file, String cn, String san) {
    Cli.openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + cn);
    String ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        + (san == null ? "" : "subjectAltName=" + san + "\n");
    Cli.write(dir.resolve(file + ".ext"), ext);
    Cli.openssl(dir, "x509", "-req", "-in", file + ".csr", "-CA", name + ".crt", "-CAkey", name + ".key",
        "-CAcreateserial", "-days", "30", "-sha256", "-extfile", file + ".ext", "-out", file + ".crt");
    return new Pair(Cli.read(dir.resolve(file + ".key")), Cli.read(dir.resolve(file + ".crt")));
  }

  /** An intermediate CA signed by this one, in the same directory. */
  OpenSslPki intermediate(String file) {
    Cli.openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + file);
    Cli.write(dir.resolve(file + ".ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    Cli.openssl(dir, "x509", "-req", "-in", file + ".csr", "-CA", name + ".crt", "-CAkey", name + ".key",
        "-CAcreateserial", "-days", "30", "-sha256", "-extfile", file + ".ext", "-out", file + ".crt");
    return new OpenSslPki(dir, file, true);
  }

  /** Signs the CSR as a CA would for a modern requirer, copying its extensions (the SANs). */
  String sign(String file, String csrPem) {
    Cli.write(dir.resolve(file + ".csr"), csrPem);
    Cli.openssl(dir, "x509", "-req", "-in", file + ".csr", "-CA", name + ".crt", "-CAkey", name + ".key",
        "-CAcreateserial", "-days", "30", "-sha256", "-copy_extensions", "copyall", "-out", file + ".crt");
    return Cli.read(dir.resolve(file + ".crt"));
  }
}
