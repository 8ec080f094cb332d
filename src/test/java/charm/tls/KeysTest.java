package charm.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
  @TempDir Path tmp;

  @Test
  void newPrivateKeyIsRsa2048Pkcs8() {
    String key = Keys.newPrivateKeyPem();

    assertTrue(key.startsWith("-----BEGIN PRIVATE KEY-----\n"));
    Cli.write(tmp.resolve("k.pem"), key);
    String text = Cli.openssl(tmp, "pkey", "-in", "k.pem", "-noout", "-text");
    assertTrue(text.contains("Private-Key: (2048 bit, 2 primes)"), text.lines().findFirst().orElse(""));
    Cli.openssl(tmp, "rsa", "-in", "k.pem", "-check", "-noout");
  }

  @Test
  void rsaKeyMatchesItsCertificateInEveryEncoding() {
    OpenSslPki pki = new OpenSslPki(tmp, "ca");
    OpenSslPki.Pair server = pki.server("server", "10.0.0.5", "IP:10.0.0.5");
    String traditional = Cli.openssl(tmp, "rsa", "-in", "server.key", "-traditional");

    assertTrue(Keys.matches(server.key(), server.cert()));
    assertTrue(Keys.matches(traditional, server.cert()), "RSA PRIVATE KEY (PKCS#1)");
    assertFalse(Keys.matches(pki.caKey(), server.cert()));
    assertFalse(Keys.matches(Keys.newPrivateKeyPem(), server.cert()));
    assertTrue(Keys.matches(server.key(), server.cert() + pki.caCert()), "the leaf, first in a chain, counts");
  }

  @Test
  void ecKeyMatchesItsCertificate() {
    Cli.openssl(tmp, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
    Cli.openssl(tmp, "req", "-x509", "-key", "ec.key", "-days", "1", "-subj", "/CN=ec", "-out", "ec.crt");
    Cli.openssl(tmp, "pkcs8", "-topk8", "-nocrypt", "-in", "ec.key", "-out", "ec8.key");
    Cli.openssl(tmp, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other.key");
    String cert = Cli.read(tmp.resolve("ec.crt"));

    assertTrue(Keys.matches(Cli.read(tmp.resolve("ec.key")), cert), "EC PRIVATE KEY (SEC1)");
    assertTrue(Keys.matches(Cli.read(tmp.resolve("ec8.key")), cert), "PKCS#8");
    assertFalse(Keys.matches(Cli.read(tmp.resolve("other.key")), cert));
    assertFalse(Keys.matches(Keys.newPrivateKeyPem(), cert), "RSA key, EC certificate");
  }

  @Test
  void secp384r1KeysWorkToo() {
    Cli.openssl(tmp, "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec.key");
    Cli.openssl(tmp, "req", "-x509", "-key", "ec.key", "-days", "1", "-subj", "/CN=ec", "-out", "ec.crt");

    assertTrue(Keys.matches(Cli.read(tmp.resolve("ec.key")), Cli.read(tmp.resolve("ec.crt"))));
  }

  @Test
  void garbageMatchesNothing() {
    String key = Keys.newPrivateKeyPem();

    assertFalse(Keys.matches("garbage", "garbage"));
    assertFalse(Keys.matches(null, null));
    assertFalse(Keys.matches(key, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    assertFalse(Keys.matches("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", key));
  }
}
