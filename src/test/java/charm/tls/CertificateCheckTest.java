package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateCheckTest {
  static final List<String> UNIT = List.of("10.0.0.5", "reg.example.org");
  /**
   * A little after every certificate openssl makes during these tests: each starts at the second
   * it is made, and a start ahead of "now" is a problem.
   */
  static final Instant NOW = Instant.now().plus(java.time.Duration.ofMinutes(10));

  @TempDir static Path tmp;
  static OpenSslPki pki;
  static OpenSslPki.Pair server;

  @BeforeAll
  static void pki() {
    pki = new OpenSslPki(tmp, "root");
    server = pki.server("server", "10.0.0.5", "IP:10.0.0.5,DNS:reg.example.org,IP:fd00::5");
  }

  static CertificateCheck.Result check(String cert, String key, String ca, List<String> names, Instant now) {
    CertificateCheck.Result r = CertificateCheck.check(new TlsMaterial(cert, key, ca), names, now);
    for (String p : r.problems()) {
      assertFalse(p.contains("-----") || p.contains("MII"), "no PEM in " + p);
    }
    return r;
  }

  @Test
  void goodOpensslCertificate() {
    CertificateCheck.Result r = check(server.cert(), server.key(), pki.caCert(), UNIT, NOW);

    assertEquals(List.of(), r.problems());
    assertTrue(r.ok());
    assertEquals(List.of("10.0.0.5", "reg.example.org", "fd00::5"), r.names());
    String enddate = Cli.openssl(tmp, "x509", "-in", "server.crt", "-noout", "-enddate").strip();
    assertEquals(enddate, "notAfter=" + DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy 'GMT'", Locale.ROOT)
        .withZone(ZoneOffset.UTC).format(r.notAfter()));
    assertEquals(29, r.daysLeft(NOW.plusSeconds(60)), "30 days, a minute in: 29 whole days left");
  }

  @Test
  void anyOneAcceptableNameIsEnough() {
    assertTrue(check(server.cert(), server.key(), null, List.of("10.9.9.9", "REG.Example.ORG."), NOW).ok(), "DNS, any case, trailing dot");
    assertTrue(check(server.cert(), server.key(), null, List.of("10.0.0.5"), NOW).ok());
    assertTrue(check(server.cert(), server.key(), null, List.of("[FD00:0::5]"), NOW).ok(), "IPv6 compared as an address");
    assertTrue(check(server.cert(), server.key(), null, List.of(), NOW).ok(), "no names to check");
  }

  @Test
  void mismatchedKey() {
    CertificateCheck.Result r = check(server.cert(), pki.caKey(), pki.caCert(), UNIT, NOW);

    assertEquals(List.of("the private key does not match the certificate"), r.problems());
    assertFalse(r.ok());
  }

  @Test
  void expired() {
    TestCerts.Made old = TestCerts.selfSigned("10.0.0.5", List.of("IP:10.0.0.5"),
        Instant.parse("2025-01-02T12:00:00Z"), Instant.parse("2026-01-02T12:00:00Z"));

    CertificateCheck.Result r = check(old.certPem(), old.keyPem(), null, UNIT, Instant.parse("2026-02-01T00:00:00Z"));

    assertEquals(List.of("the certificate expired on 2026-01-02"), r.problems());
    assertEquals(Instant.parse("2026-01-02T12:00:00Z"), r.notAfter());
    assertEquals(-30, r.daysLeft(Instant.parse("2026-02-01T00:00:00Z")));
  }

  @Test
  void notYetValid() {
    TestCerts.Made future = TestCerts.selfSigned("10.0.0.5", List.of("IP:10.0.0.5"),
        Instant.parse("2030-01-01T10:00:00Z"), Instant.parse("2031-01-01T00:00:00Z"));

    assertEquals(List.of("the certificate is not valid before 2030-01-01T10:00:00Z"),
        check(future.certPem(), future.keyPem(), null, UNIT, NOW).problems());
  }

  @Test
  void aStartMinutesAheadIsNotValidYetWithoutLeeway() {
    Instant now = Instant.parse("2030-01-01T09:57:00Z");
    TestCerts.Made fresh = TestCerts.selfSigned("10.0.0.5", List.of("IP:10.0.0.5"),
        Instant.parse("2030-01-01T10:00:00Z"), Instant.parse("2031-01-01T00:00:00Z"));

    CertificateCheck.Result r = check(fresh.certPem(), fresh.keyPem(), null, UNIT, now);

    assertEquals(List.of("the certificate is not valid before 2030-01-01T10:00:00Z"), r.problems());
    assertEquals(Instant.parse("2030-01-01T10:00:00Z"), r.notYetValidUntil());
    assertTrue(r.onlyNotYetValid());
    assertTrue(check(fresh.certPem(), fresh.keyPem(), null, UNIT, Instant.parse("2030-01-01T10:00:00Z")).ok(), "valid from its first second");
  }

  @Test
  void wrongNames() {
    OpenSslPki.Pair other = pki.server("other", "10.0.0.9", "IP:10.0.0.9,DNS:registry.example.com");

    CertificateCheck.Result r = check(other.cert(), other.key(), pki.caCert(), UNIT, NOW);

    assertEquals(List.of("the certificate names 10.0.0.9, registry.example.com but not 10.0.0.5 or reg.example.org"), r.problems());
    assertEquals(List.of("10.0.0.9", "registry.example.com"), r.names());
  }

  @Test
  void wildcardNamesOneLeftmostLabel() {
    TestCerts.Made wild = TestCerts.selfSigned("wild", List.of("DNS:*.Example.com"), NOW.minusSeconds(60), NOW.plusSeconds(86_400));

    assertTrue(check(wild.certPem(), wild.keyPem(), null, List.of("reg.example.com"), NOW).ok());
    assertEquals(List.of("the certificate names *.Example.com but not a.b.example.com"),
        check(wild.certPem(), wild.keyPem(), null, List.of("a.b.example.com"), NOW).problems());
    assertFalse(check(wild.certPem(), wild.keyPem(), null, List.of("example.com"), NOW).ok());
    assertTrue(CertificateCheck.dnsMatches("*.example.com", "REG.example.com."));
    assertFalse(CertificateCheck.dnsMatches("*.example.com", ".example.com"));
    assertFalse(CertificateCheck.dnsMatches("reg*.example.com", "reg1.example.com"), "only a whole label");
    assertFalse(CertificateCheck.dnsMatches("*.*.example.com", "a.b.example.com"));
  }

  @Test
  void commonNameCountsOnlyWithoutSubjectAltNames() {
    OpenSslPki.Pair dnsCn = pki.server("cn-dns", "reg.example.org", null);
    OpenSslPki.Pair ipCn = pki.server("cn-ip", "10.0.0.5", null);
    OpenSslPki.Pair both = pki.server("cn-and-san", "10.0.0.5", "DNS:other.example.org");

    CertificateCheck.Result dns = check(dnsCn.cert(), dnsCn.key(), pki.caCert(), List.of("Reg.Example.org"), NOW);
    assertEquals(List.of(), dns.problems());
    assertEquals(List.of("reg.example.org"), dns.names());
    assertTrue(check(ipCn.cert(), ipCn.key(), pki.caCert(), List.of("10.0.0.5"), NOW).ok());
    assertEquals(List.of("the certificate names other.example.org but not 10.0.0.5"),
        check(both.cert(), both.key(), pki.caCert(), List.of("10.0.0.5"), NOW).problems());
  }

  @Test
  void garbage() {
    CertificateCheck.Result r = check("hello", "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDhSAiNDEXUp3Fm", "nope", UNIT, NOW);

    assertEquals(List.of("the certificate is not valid PEM", "the private key is not valid PEM", "the CA is not valid PEM"), r.problems());
    assertNull(r.notAfter());
    assertEquals(List.of(), r.names());
    assertEquals(0, r.daysLeft(NOW));
    assertEquals(List.of("the certificate is not valid PEM"),
        check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", server.key(), null, UNIT, NOW).problems());
    assertEquals(List.of("the certificate is missing", "the private key is missing"), check(null, " ", null, UNIT, NOW).problems());
  }

  private static final String ENCRYPTED =
      "the private key is encrypted, which is not supported; give it without a passphrase (openssl pkey -in key.pem -out plain.pem)";

  @Test
  void encryptedKeys() {
    String pkcs8 = Cli.openssl(tmp, "pkcs8", "-topk8", "-v2", "aes256", "-in", "server.key", "-passout", "pass:s3cret");
    String traditional = Cli.openssl(tmp, "rsa", "-in", "server.key", "-aes256", "-traditional", "-passout", "pass:s3cret");

    assertEquals(List.of(ENCRYPTED), check(server.cert(), pkcs8, null, UNIT, NOW).problems());
    assertEquals(List.of(ENCRYPTED), check(server.cert(), traditional, null, UNIT, NOW).problems());
  }

  @Test
  void wrongCa() {
    OpenSslPki otherCa = new OpenSslPki(tmp, "other-root");

    assertEquals(List.of("the certificate is not signed by the CA"),
        check(server.cert(), server.key(), otherCa.caCert(), UNIT, NOW).problems());
    assertTrue(check(server.cert(), server.key(), otherCa.caCert() + pki.caCert(), UNIT, NOW).ok(), "a bundle: any one CA");
  }

  @Test
  void chainThroughAnIntermediate() {
    OpenSslPki intermediate = pki.intermediate("intermediate");
    OpenSslPki.Pair leaf = intermediate.server("leaf", "10.0.0.5", "IP:10.0.0.5");
    Cli.openssl(tmp, "verify", "-CAfile", "root.crt", "-untrusted", "intermediate.crt", "leaf.crt"); // openssl agrees

    assertTrue(check(leaf.cert() + intermediate.caCert(), leaf.key(), pki.caCert(), UNIT, NOW).ok());
    assertTrue(check(leaf.cert() + intermediate.caCert() + pki.caCert(), leaf.key(), pki.caCert(), UNIT, NOW).ok(), "root in the chain too");
    assertTrue(check(leaf.cert(), leaf.key(), intermediate.caCert(), UNIT, NOW).ok(), "the intermediate as the CA");
    assertEquals(List.of("the certificate is not signed by the CA"),
        check(leaf.cert(), leaf.key(), pki.caCert(), UNIT, NOW).problems(), "the intermediate missing");
  }

  @Test
  void selfSignedCertificateIsItsOwnCa() {
    TestCerts.Made self = TestCerts.selfSigned("10.0.0.5", List.of("IP:10.0.0.5"), NOW.minusSeconds(60), NOW.plusSeconds(3600));

    assertTrue(check(self.certPem(), self.keyPem(), self.certPem(), UNIT, NOW).ok());
  }

  @Test
  void toStringShowsNoMaterial() {
    TlsMaterial m = new TlsMaterial(server.cert(), server.key(), null);

    assertEquals("TlsMaterial[cert present, key present, ca absent]", m.toString());
  }
}
