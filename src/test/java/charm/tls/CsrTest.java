package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsrTest {
  @TempDir Path tmp;

  /** openssl req -verify -text: its combined output, failing unless the self-signature verifies. */
  String opensslVerify(String csr) {
    Cli.write(tmp.resolve("csr.pem"), csr);
    Cli.Out out = Cli.run(tmp, Map.of(), List.of("openssl", "req", "-in", "csr.pem", "-noout", "-text", "-verify"));
    assertEquals(0, out.exitCode(), out.stderr());
    String all = out.stdout() + out.stderr();
    assertTrue(all.contains("verify OK"), all);
    return all;
  }

  @Test
  void opensslVerifiesTheRequestAndShowsTheNames() {
    String key = Keys.newPrivateKeyPem();

    String csr = Csr.create(key, "10.0.0.5",
        List.of("10.0.0.5", "reg.example.org", "fd00:0::5", " 10.0.0.5", "REG.example.org", "", "juju-3f2a1b-0"));

    String text = opensslVerify(csr);
    assertTrue(text.contains("Subject: CN = 10.0.0.5"), text);
    assertTrue(text.contains("sha256WithRSAEncryption"), text);
    assertTrue(text.contains("DNS:reg.example.org, IP Address:FD00:0:0:0:0:0:0:5, DNS:juju-3f2a1b-0")
        && text.contains("IP Address:10.0.0.5, DNS:reg.example.org"), text);
    assertEquals(List.of("10.0.0.5", "reg.example.org", "fd00::5", "juju-3f2a1b-0"), Csr.subjectAltNames(csr));
    assertEquals("10.0.0.5", Csr.commonName(csr));
  }

  @Test
  void opensslSignsItAndTheKeyMatches() {
    OpenSslPki pki = new OpenSslPki(tmp, "ca");
    String key = Keys.newPrivateKeyPem();
    String csr = Csr.create(key, "10.0.0.5", List.of("10.0.0.5", "reg.example.org"));

    String cert = pki.sign("unit", csr);

    assertTrue(Keys.matches(key, cert));
    assertFalse(Keys.matches(Keys.newPrivateKeyPem(), cert));
    CertificateCheck.Result r = CertificateCheck.check(new TlsMaterial(cert, key, pki.caCert()), List.of("10.0.0.5"), Instant.now());
    assertEquals(List.of(), r.problems());
    assertEquals(List.of("10.0.0.5", "reg.example.org"), r.names());
  }

  @Test
  void ecKeysSignWithEcdsa() {
    Cli.openssl(tmp, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");

    String csr = Csr.create(Cli.read(tmp.resolve("ec.key")), "reg.example.org", List.of("reg.example.org"));

    assertTrue(opensslVerify(csr).contains("ecdsa-with-SHA256"));
    assertEquals(List.of("reg.example.org"), Csr.subjectAltNames(csr));
  }

  @Test
  void noNamesNoExtension() {
    String csr = Csr.create(Keys.newPrivateKeyPem(), "10.0.0.5", List.of());

    assertFalse(opensslVerify(csr).contains("Subject Alternative Name"));
    assertEquals(List.of(), Csr.subjectAltNames(csr));
  }

  @Test
  void sameIgnoresWrappingAndSurroundingText() {
    String csr = Csr.create(Keys.newPrivateKeyPem(), "10.0.0.5", List.of("10.0.0.5"));
    String body = csr.replace("-----BEGIN CERTIFICATE REQUEST-----\n", "").replace("-----END CERTIFICATE REQUEST-----\n", "").replace("\n", "");
    StringBuilder rewrapped = new StringBuilder("note: re-wrapped\r\n-----BEGIN CERTIFICATE REQUEST-----\r\n");
    for (int i = 0; i < body.length(); i += 76) {
      rewrapped.append(body, i, Math.min(body.length(), i + 76)).append("\r\n");
    }
    rewrapped.append("-----END CERTIFICATE REQUEST-----");

    assertTrue(Csr.same(csr, rewrapped.toString()));
    assertTrue(Csr.same(csr, csr.strip()));
    assertFalse(Csr.same(csr, Csr.create(Keys.newPrivateKeyPem(), "10.0.0.5", List.of("10.0.0.5"))));
    assertFalse(Csr.same(csr, "garbage"));
    assertFalse(Csr.same(null, null));
  }

  @Test
  void unreadableRequests() {
    assertEquals(List.of(), Csr.subjectAltNames("garbage"));
    assertNull(Csr.commonName("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
  }

  @Test
  void badKeyIsRejectedWithoutEchoingIt() {
    String secretLooking = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Csr.create(secretLooking, "a", List.of()));

    assertEquals("the private key is not valid PEM", e.getMessage());
  }

  @Test
  void generalNamesDeduplicateByAddressAndCase() {
    assertEquals(3, CsrBuilder.generalNames(Arrays.asList("::1", "0:0:0:0:0:0:0:1", "A.example", "a.EXAMPLE", null, "10.0.0.1")).size());
  }
}
