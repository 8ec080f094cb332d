package charm.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  @TempDir Path tmp;

  @Test
  void easyRsaIssuedCertificateHasATextDumpBeforeBegin() {
    EasyRsaPki pki = new EasyRsaPki(tmp, "test-ca");
    EasyRsaPki.Issued issued = pki.server("docker-registry_0", "IP:10.0.0.5,DNS:reg.example.org");
    assertTrue(issued.cert().startsWith("Certificate:\n    Data:"), "easyrsa really writes the dump first");

    List<String> blocks = Pem.blocks(issued.cert(), "CERTIFICATE");

    assertEquals(1, blocks.size());
    String block = blocks.get(0);
    assertTrue(block.startsWith("-----BEGIN CERTIFICATE-----\n"));
    assertTrue(block.endsWith("\n-----END CERTIFICATE-----\n"));
    Path only = Cli.write(tmp.resolve("only.pem"), block);
    // The same certificate: openssl reads the dump file from its BEGIN line too.
    assertEquals(
        Cli.openssl(tmp, "x509", "-in", "pki/issued/docker-registry_0.crt", "-noout", "-fingerprint", "-sha256"),
        Cli.openssl(tmp, "x509", "-in", only.toString(), "-noout", "-fingerprint", "-sha256"));
    assertEquals(Pem.blocks(issued.key(), "PRIVATE KEY").get(0), Pem.firstPrivateKey(issued.key()));
  }

  @Test
  void crlfAndIndentationAreNormalised() {
    String lf = TestCerts.selfSigned("a", List.of(), java.time.Instant.now(), java.time.Instant.now().plusSeconds(60)).certPem();
    String crlf = "  " + lf.replace("\n", "\r\n  ");

    assertEquals(List.of(lf), Pem.blocks(crlf, "CERTIFICATE"));
    assertFalse(Pem.blocks(crlf, "CERTIFICATE").get(0).contains("\r"));
  }

  @Test
  void severalBlocksInOrderAndOfTheRightTypeOnly() {
    TestCerts.Made a = TestCerts.selfSigned("a", List.of(), java.time.Instant.now(), java.time.Instant.now().plusSeconds(60));
    TestCerts.Made b = TestCerts.selfSigned("b", List.of(), java.time.Instant.now(), java.time.Instant.now().plusSeconds(60));
    String text = "subject=CN = a\n" + a.certPem() + a.keyPem() + "\nissuer: b\n" + b.certPem()
        + "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n";

    assertEquals(List.of(a.certPem(), b.certPem()), Pem.blocks(text, "CERTIFICATE"));
    assertEquals(a.keyPem(), Pem.firstPrivateKey(text));
    assertEquals(1, Pem.blocks(text, "TRUSTED CERTIFICATE").size());
  }

  @Test
  void firstPrivateKeyTakesEveryUnencryptedKind() {
    String rsa = Cli.openssl(tmp, "genrsa", "-traditional", "2048");
    String ec = Cli.openssl(tmp, "ecparam", "-name", "prime256v1", "-genkey", "-noout");
    String pkcs8 = Cli.openssl(tmp, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
    Cli.write(tmp.resolve("rsa.key"), rsa);
    String encrypted = Cli.openssl(tmp, "pkcs8", "-topk8", "-v2", "aes256", "-in", "rsa.key", "-passout", "pass:x");

    assertTrue(Pem.firstPrivateKey("text\n" + rsa).startsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
    assertTrue(Pem.firstPrivateKey(ec).startsWith("-----BEGIN EC PRIVATE KEY-----\n"));
    assertTrue(Pem.firstPrivateKey(pkcs8).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    assertNull(Pem.firstPrivateKey(encrypted));
    assertEquals(Pem.blocks(ec, "EC PRIVATE KEY").get(0), Pem.firstPrivateKey(encrypted + ec + rsa), "the first by position");
  }

  @Test
  void longLinesAreRewrappedAtSixtyFourColumns() {
    String pem = TestCerts.selfSigned("a", List.of(), java.time.Instant.now(), java.time.Instant.now().plusSeconds(60)).certPem();
    String oneLine = pem.replace("\n", "").replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\n")
        .replace("-----END CERTIFICATE-----", "\n-----END CERTIFICATE-----");

    String block = Pem.blocks(oneLine, "CERTIFICATE").get(0);

    assertEquals(pem, block);
    assertArrayEquals(Pem.der(pem), Pem.der(block));
  }

  @Test
  void brokenBlocksAreLeftOut() {
    String pem = TestCerts.selfSigned("a", List.of(), java.time.Instant.now(), java.time.Instant.now().plusSeconds(60)).certPem();

    assertEquals(List.of(pem), Pem.blocks("-----BEGIN CERTIFICATE-----\nAAAA\n" + pem, "CERTIFICATE"), "BEGIN without END");
    assertEquals(List.of(), Pem.blocks(pem.substring(0, pem.length() - 10), "CERTIFICATE"), "cut off");
    assertEquals(List.of(), Pem.blocks(null, "CERTIFICATE"));
    assertEquals(List.of(), Pem.blocks("garbage -----BEGIN ", "CERTIFICATE"));
    assertNull(Pem.firstPrivateKey(pem));
    assertNull(Pem.firstPrivateKey(null));
  }

  @Test
  void encryptedTraditionalKeyKeepsItsHeaders() {
    Cli.write(tmp.resolve("rsa.key"), Cli.openssl(tmp, "genrsa", "-traditional", "2048"));
    String encrypted = Cli.openssl(tmp, "rsa", "-in", "rsa.key", "-aes256", "-traditional", "-passout", "pass:x");

    String block = Pem.firstPrivateKey(encrypted.replace("\n", "\r\n"));

    assertEquals(encrypted, block, "Proc-Type and DEK-Info lines and the blank line after them stay");
  }
}
