package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCaTest {
  @TempDir Path tmp;

  @Test
  void clientCertificateVerifiesForClientAuthOnly() {
    LocalCa.Issued ca = LocalCa.newCa("docker-registry/0 local CA", Duration.ofDays(3650));
    LocalCa.Issued client = LocalCa.issueClient(ca, "docker-registry/0 probe", Duration.ofDays(365));
    Cli.write(tmp.resolve("ca.pem"), ca.certPem());
    Cli.write(tmp.resolve("client.pem"), client.certPem());

    assertEquals("client.pem: OK\n", Cli.openssl(tmp, "verify", "-purpose", "sslclient", "-CAfile", "ca.pem", "client.pem"));
    Cli.Out asServer = Cli.run(tmp, Map.of(), List.of("openssl", "verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "client.pem"));
    assertNotEquals(0, asServer.exitCode(), "not a server certificate");
    assertTrue(Keys.matches(client.keyPem(), client.certPem()));
    assertTrue(CertificateCheck.check(new TlsMaterial(client.certPem(), client.keyPem(), ca.certPem()), List.of(), Instant.now()).ok());
    LocalCa.Issued otherCa = LocalCa.newCa("docker-registry/0 local CA", Duration.ofDays(3650));
    assertEquals(List.of("the certificate is not signed by the CA"),
        CertificateCheck.check(new TlsMaterial(client.certPem(), client.keyPem(), otherCa.certPem()), List.of(), Instant.now()).problems(),
        "same name, other key");
  }

  @Test
  void extensionsAsSpecified() {
    LocalCa.Issued ca = LocalCa.newCa("local CA", Duration.ofDays(10));
    LocalCa.Issued client = LocalCa.issueClient(ca, "probe", Duration.ofDays(1));
    Cli.write(tmp.resolve("ca.pem"), ca.certPem());
    Cli.write(tmp.resolve("client.pem"), client.certPem());
    Cli.write(tmp.resolve("client.key"), client.keyPem());

    String caText = Cli.openssl(tmp, "x509", "-in", "ca.pem", "-noout", "-text");
    assertTrue(caText.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"), caText);
    assertTrue(caText.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"), caText);
    assertTrue(caText.contains("ASN1 OID: prime256v1") && caText.contains("ecdsa-with-SHA256"), caText);
    String clientText = Cli.openssl(tmp, "x509", "-in", "client.pem", "-noout", "-text");
    assertTrue(clientText.contains("Subject: CN = probe") && clientText.contains("Issuer: CN = local CA"), clientText);
    assertTrue(clientText.contains("X509v3 Extended Key Usage: \n                TLS Web Client Authentication"), clientText);
    assertTrue(clientText.contains("X509v3 Key Usage: critical\n                Digital Signature"), clientText);
    assertTrue(clientText.contains("CA:FALSE"), clientText);
    assertTrue(Cli.openssl(tmp, "pkey", "-in", "client.key", "-noout", "-text").contains("ASN1 OID: prime256v1"));
    assertTrue(client.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
  }

  @Test
  void validityAndClampingToTheCa() {
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    LocalCa.Issued ca = LocalCa.newCa("local CA", Duration.ofDays(30), now);
    LocalCa.Issued client = LocalCa.issueClient(ca, "probe", Duration.ofDays(365), now);

    CertificateCheck.Result caResult = CertificateCheck.check(new TlsMaterial(ca.certPem(), ca.keyPem(), null), List.of(), now);
    CertificateCheck.Result clientResult = CertificateCheck.check(new TlsMaterial(client.certPem(), client.keyPem(), ca.certPem()), List.of(), now);
    assertEquals(now.plus(Duration.ofDays(30)), caResult.notAfter());
    assertEquals(caResult.notAfter(), clientResult.notAfter(), "never outlives its CA");
    assertEquals(List.of(), clientResult.problems());
  }

  @Test
  void refusesAMismatchedCaKeyAndShowsNoKeyInToString() {
    LocalCa.Issued a = LocalCa.newCa("a", Duration.ofDays(1));
    LocalCa.Issued b = LocalCa.newCa("b", Duration.ofDays(1));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LocalCa.issueClient(new LocalCa.Issued(a.keyPem(), b.certPem()), "c", Duration.ofDays(1)));

    assertEquals("the CA's key does not match its certificate", e.getMessage());
    assertEquals("LocalCa.Issued[key and certificate]", a.toString());
    assertFalse(a.toString().contains("PRIVATE"));
  }
}
