package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.juju.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixtures as the providers make them: legacy values are easy-rsa's files (what the easyrsa
 * charm puts in its unit bag), modern ones are openssl's signature of the CSR that Csr.create made.
 */
class CertProviderTest {
  static final String UNIT = "docker-registry/0";
  static final List<String> NAMES = List.of("10.0.0.5", "reg.example.org");

  @TempDir static Path tmp;
  static EasyRsaPki easyrsa;
  static EasyRsaPki.Issued legacyServer;
  static EasyRsaPki.Issued legacyProcessed;
  static EasyRsaPki.Issued legacyClient;
  static OpenSslPki root;
  static OpenSslPki intermediate;
  static String key;
  static String csr;
  static String modernCert;
  static String otherCsr;
  static String otherCert;

  @BeforeAll
  static void providers() throws Exception {
    easyrsa = new EasyRsaPki(Files.createDirectories(tmp.resolve("easyrsa")), "easyrsa-ca");
    legacyServer = easyrsa.server("docker-registry_0", "IP:10.0.0.5,DNS:reg.example.org");
    legacyProcessed = easyrsa.server("10.0.0.7", "IP:10.0.0.7");
    legacyClient = easyrsa.client("client");
    root = new OpenSslPki(Files.createDirectories(tmp.resolve("openssl")), "root");
    intermediate = root.intermediate("intermediate");
    key = Keys.newPrivateKeyPem();
    csr = Csr.create(key, "10.0.0.5", NAMES);
    modernCert = root.sign("unit0", csr);
    otherCsr = Csr.create(Keys.newPrivateKeyPem(), "10.0.0.6", List.of("10.0.0.6"));
    otherCert = root.sign("unit1", otherCsr);
  }

  // ------------------------------------------------------------------------------ request

  @Test
  void requestWritesBothProtocolsExactlyAsPythonWould() {
    String csrText = "-----BEGIN CERTIFICATE REQUEST-----\r\n"
        + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7\r\n"
        + "-----END CERTIFICATE REQUEST-----\r\n\r\n";

    Map<String, String> bag = CertProvider.request(UNIT, "10.0.0.5",
        List.of("reg.example.org", "10.0.0.5", "juju-3f2a1b-0", "10.0.0.5", "Zeta.example"), csrText);

    assertEquals(List.of("unit_name", "common_name", "sans", "certificate_name", "certificate_signing_requests"), new ArrayList<>(bag.keySet()));
    assertEquals("docker-registry_0", bag.get("unit_name"));
    assertEquals("10.0.0.5", bag.get("common_name"));
    assertEquals("[\"10.0.0.5\", \"10.0.0.5\", \"Zeta.example\", \"juju-3f2a1b-0\", \"reg.example.org\"]", bag.get("sans"));
    assertEquals("docker-registry_0", bag.get("certificate_name"));
    assertEquals("[{\"certificate_signing_request\": \"-----BEGIN CERTIFICATE REQUEST-----\\n"
        + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\\n"
        + "MDEyMzQ1Njc4OTo7\\n"
        + "-----END CERTIFICATE REQUEST-----\", \"ca\": false}]", bag.get("certificate_signing_requests"));
  }

  @Test
  void sansSortByCodePointAndEscapeNonAsciiAsPythonDoes() {
    Map<String, String> bag = CertProvider.request("docker-registry/12", "10.0.0.5",
        List.of("\uD83D\uDE00.example", "\uFF5E.example", "\u00FCn\u00EF.example", "a\"b\\c"), csr);

    assertEquals("[\"a\\\"b\\\\c\", \"\\u00fcn\\u00ef.example\", \"\\uff5e.example\", \"\\ud83d\\ude00.example\"]", bag.get("sans"));
    assertEquals("docker-registry_12", bag.get("unit_name"));
  }

  @Test
  void requestCarriesTheCsrThatCsrCreateMade() {
    Map<String, String> bag = CertProvider.request(UNIT, "10.0.0.5", NAMES, csr);

    Object parsed = Json.parse(bag.get("certificate_signing_requests").getBytes(StandardCharsets.UTF_8));
    Map<?, ?> entry = (Map<?, ?>) ((List<?>) parsed).get(0);
    assertEquals(csr.stripTrailing(), entry.get("certificate_signing_request"));
    assertEquals(false, entry.get("ca"));
    assertThrows(IllegalArgumentException.class, () -> CertProvider.request(UNIT, "10.0.0.5", NAMES, "not a CSR"));
  }

  // ------------------------------------------------------------------------------- modern

  static Map<String, Object> entry(String certificate, String csrPem, String ca, List<String> chain) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("certificate", certificate);
    e.put("certificate_signing_request", csrPem.strip());
    e.put("ca", ca);
    if (chain != null) {
      e.put("chain", chain);
    }
    return e;
  }

  static Map<String, String> certificates(Object... entries) {
    return Map.of("certificates", new String(Json.write(List.of(entries)), StandardCharsets.UTF_8));
  }

  static Optional<CertProvider.Answer> answer(Map<String, String> app, List<Map<String, String>> units) {
    return CertProvider.answer(UNIT, "10.0.0.5", csr, app, units);
  }

  @Test
  void modernMatch() {
    Map<String, String> app = certificates(
        entry(otherCert, otherCsr, root.caCert(), List.of(otherCert, root.caCert())),
        entry(modernCert, csr, root.caCert(), List.of(modernCert, root.caCert())));

    CertProvider.Answer a = answer(app, List.of()).orElseThrow();

    assertEquals("modern", a.protocol());
    assertEquals(modernCert, a.material().certPem(), "the leaf; the root in the chain is not served");
    assertNull(a.material().keyPem());
    assertEquals(root.caCert(), a.material().caPem());
    assertNull(a.globalClient());
    CertificateCheck.Result r = CertificateCheck.check(a.material().withKey(key), NAMES, Instant.now());
    assertEquals(List.of(), r.problems());
  }

  @Test
  void modernRevokedEntryIsIgnored() {
    Map<String, Object> revoked = entry(modernCert, csr, root.caCert(), List.of(modernCert, root.caCert()));
    revoked.put("revoked", true);
    String reissued = root.sign("unit0-again", csr);

    assertEquals(Optional.empty(), answer(certificates(revoked), List.of()));
    CertProvider.Answer a = answer(certificates(revoked, entry(reissued, csr, root.caCert(), null)), List.of()).orElseThrow();
    assertEquals(reissued, a.material().certPem());
  }

  @Test
  void modernEntryForAnotherUnitsCsrIsIgnored() {
    assertEquals(Optional.empty(), answer(certificates(entry(otherCert, otherCsr, root.caCert(), null)), List.of()));
  }

  @Test
  void modernCsrMatchesWhateverItsWrapping() {
    String echoed = csr.strip().replace("\n", "\r\n");

    assertTrue(answer(certificates(entry(modernCert, echoed, root.caCert(), null)), List.of()).isPresent());
  }

  @Test
  void modernChainIsOrderedLeafFirst() {
    String leaf = intermediate.sign("via-intermediate", csr);

    CertProvider.Answer full = answer(certificates(
        entry(leaf, csr, root.caCert(), List.of(leaf, intermediate.caCert(), root.caCert()))), List.of()).orElseThrow();
    CertProvider.Answer noLeafInChain = answer(certificates(
        entry(leaf, csr, root.caCert(), List.of(intermediate.caCert()))), List.of()).orElseThrow();

    assertEquals(List.of(leaf, intermediate.caCert()), Pem.blocks(full.material().certPem(), "CERTIFICATE"), "the root is not served");
    assertEquals(leaf + intermediate.caCert(), noLeafInChain.material().certPem());
    assertTrue(CertificateCheck.check(noLeafInChain.material().withKey(key), NAMES, Instant.now()).ok());
    assertTrue(CertificateCheck.check(full.material().withKey(key), NAMES, Instant.now()).ok());
  }

  @Test
  void servedChainFollowsIssuersWhateverTheOrderAndLeavesOutOthers() {
    String leaf = intermediate.sign("via-intermediate-2", csr);

    assertEquals(leaf + intermediate.caCert(),
        CertProvider.served(leaf, List.of(root.caCert() + otherCert + intermediate.caCert()), root.caCert()));
    assertEquals(leaf + intermediate.caCert(), CertProvider.served(leaf, List.of(), intermediate.caCert()), "an intermediate CA is served");
    assertEquals(leaf, CertProvider.served(leaf, List.of(), root.caCert()), "nothing leads to the root: the check will say so");
    assertEquals("not a certificate", CertProvider.served("not a certificate", List.of(), root.caCert()));
  }

  @Test
  void legacyChainFromReactiveVaultWithAnIntermediateCa() {
    OpenSslPki.Pair leaf = intermediate.server("vault-leaf", "10.0.0.5", "IP:10.0.0.5,DNS:reg.example.org");
    Map<String, String> bag = new LinkedHashMap<>();
    bag.put("ca", root.caCert());
    bag.put("chain", intermediate.caCert());
    bag.put("docker-registry_0.server.cert", leaf.cert());
    bag.put("docker-registry_0.server.key", leaf.key());

    CertProvider.Answer a = answer(Map.of(), List.of(bag)).orElseThrow();

    assertEquals(List.of(Pem.blocks(leaf.cert(), "CERTIFICATE").get(0), intermediate.caCert()), Pem.blocks(a.material().certPem(), "CERTIFICATE"));
    assertEquals(root.caCert(), a.material().caPem());
    assertEquals(List.of(), CertificateCheck.check(a.material(), NAMES, Instant.now()).problems());
  }

  // ------------------------------------------------------------------------------ refusals

  @Test
  void refusalFromRequestErrorsAsLegoWritesIt() {
    String errors = "[{\"csr\": " + new String(Json.write(csr.strip()), StandardCharsets.UTF_8) + ", \"error\": {\"code\": 101, "
        + "\"name\": \"IP_NOT_ALLOWED\", \"message\": \"Error creating new order :: Cannot issue for \\\"10.0.0.5\\\": IP\\nnot allowed\", "
        + "\"reason\": \"urn:ietf:params:acme:error:rejectedIdentifier\", \"endpoint\": \"https://acme.example/dir\"}}]";
    Map<String, String> app = Map.of("request_errors", errors);

    CertProvider.Refusal r = CertProvider.refusal(csr, app).orElseThrow();

    assertEquals("Error creating new order :: Cannot issue for \"10.0.0.5\": IP not allowed", r.text());
    assertEquals("101", r.code());
    assertEquals("IP_NOT_ALLOWED", r.name());
    assertEquals(Optional.empty(), CertProvider.refusal(otherCsr, app), "another request's error");
    assertEquals(Optional.empty(), CertProvider.refusal(csr, Map.of("request_errors", "not json")));
    assertEquals("IP_NOT_ALLOWED", new CertProvider.Refusal("101", "IP_NOT_ALLOWED", "", null, null).text());
    assertEquals(200, new CertProvider.Refusal("1", null, "x".repeat(500), null, null).text().length());
  }

  // ------------------------------------------------------------------------------- legacy

  /** The easyrsa unit's bag after it answered docker-registry/0 (values as the charm sets them: raw files). */
  static Map<String, String> easyrsaBag() {
    Map<String, String> bag = new LinkedHashMap<>();
    bag.put("private-address", "10.0.0.2");
    bag.put("ca", easyrsa.caCert());
    bag.put("client.cert", legacyClient.cert());
    bag.put("client.key", legacyClient.key());
    bag.put("docker-registry_0.server.cert", legacyServer.cert());
    bag.put("docker-registry_0.server.key", legacyServer.key());
    return bag;
  }

  @Test
  void legacyServerCertificateUnderTheUnitName() {
    CertProvider.Answer a = answer(Map.of(), List.of(easyrsaBag())).orElseThrow();

    assertEquals("legacy", a.protocol());
    assertEquals(Pem.blocks(legacyServer.cert(), "CERTIFICATE").get(0), a.material().certPem());
    assertEquals(Pem.firstPrivateKey(legacyServer.key()), a.material().keyPem());
    assertEquals(easyrsa.caCert(), a.material().caPem());
    assertEquals(List.of(), CertificateCheck.check(a.material(), NAMES, Instant.now()).problems());
    assertEquals(Pem.blocks(legacyClient.cert(), "CERTIFICATE").get(0), a.globalClient().certPem());
    assertEquals(easyrsa.caCert(), a.globalClient().caPem());
    assertTrue(CertificateCheck.check(a.globalClient(), List.of(), Instant.now()).ok());
  }

  @Test
  void legacyTextBeforeBeginIsDropped() {
    assertTrue(legacyServer.cert().startsWith("Certificate:"), "easyrsa's file really has the dump");

    CertProvider.Answer a = answer(Map.of(), List.of(easyrsaBag())).orElseThrow();

    assertTrue(a.material().certPem().startsWith("-----BEGIN CERTIFICATE-----\n"));
    assertFalse(a.material().certPem().contains("Certificate:"));
    assertFalse(a.globalClient().certPem().contains("Certificate:"));
  }

  @Test
  void legacyProcessedRequestsForTheCommonName() {
    Map<String, String> bag = easyrsaBag();
    bag.put("docker-registry_0.processed_requests", new String(Json.write(Map.of(
        "10.0.0.7", Map.of("cert", legacyProcessed.cert(), "key", legacyProcessed.key()))), StandardCharsets.UTF_8));

    CertProvider.Answer forNewCn = CertProvider.answer(UNIT, "10.0.0.7", csr, Map.of(), List.of(bag)).orElseThrow();
    CertProvider.Answer forOldCn = CertProvider.answer(UNIT, "10.0.0.5", csr, Map.of(), List.of(bag)).orElseThrow();

    assertEquals(Pem.blocks(legacyProcessed.cert(), "CERTIFICATE").get(0), forNewCn.material().certPem());
    assertTrue(CertificateCheck.check(forNewCn.material(), List.of("10.0.0.7"), Instant.now()).ok());
    assertEquals(Pem.blocks(legacyServer.cert(), "CERTIFICATE").get(0), forOldCn.material().certPem(), "falls back to server.cert");
  }

  @Test
  void legacyUnitBagsMergeLowestUnitFirst() {
    Map<String, String> leader = new LinkedHashMap<>();
    leader.put("ca", easyrsa.caCert());
    Map<String, String> issuer = new LinkedHashMap<>(easyrsaBag());
    issuer.put("ca", root.caCert()); // the lower unit's ca wins
    issuer.remove("client.cert");

    CertProvider.Answer a = answer(Map.of(), List.of(leader, issuer)).orElseThrow();

    assertEquals(easyrsa.caCert(), a.material().caPem());
    assertNull(a.globalClient(), "client.key without client.cert is no client certificate");
  }

  @Test
  void legacyJsonQuotedValuesAreRead() {
    Map<String, String> bag = easyrsaBag();
    bag.put("ca", new String(Json.write(easyrsa.caCert()), StandardCharsets.UTF_8));

    assertEquals(easyrsa.caCert(), answer(Map.of(), List.of(bag)).orElseThrow().material().caPem());
  }

  @Test
  void legacyNeedsTheCaAndThisUnitsKeys() {
    Map<String, String> noCa = easyrsaBag();
    noCa.remove("ca");
    Map<String, String> otherUnit = new LinkedHashMap<>();
    otherUnit.put("ca", easyrsa.caCert());
    otherUnit.put("docker-registry_1.server.cert", legacyServer.cert());
    otherUnit.put("docker-registry_1.server.key", legacyServer.key());
    Map<String, String> noKey = easyrsaBag();
    noKey.remove("docker-registry_0.server.key");

    assertEquals(Optional.empty(), answer(Map.of(), List.of(noCa)));
    assertEquals(Optional.empty(), answer(Map.of(), List.of(otherUnit)));
    assertEquals(Optional.empty(), answer(Map.of(), List.of(noKey)));
  }

  // --------------------------------------------------------------------------------- both

  @Test
  void bothPresentModernWins() {
    CertProvider.Answer a = answer(certificates(entry(modernCert, csr, root.caCert(), null)), List.of(easyrsaBag())).orElseThrow();

    assertEquals("modern", a.protocol());
    assertEquals(modernCert, a.material().certPem());
    assertNull(a.globalClient());
  }

  @Test
  void modernWithoutOurCertificateLeavesLegacy() {
    CertProvider.Answer a = answer(certificates(entry(otherCert, otherCsr, root.caCert(), null)), List.of(easyrsaBag())).orElseThrow();

    assertEquals("legacy", a.protocol());
  }

  @Test
  void nothingYet() {
    Map<String, String> addresses = Map.of("private-address", "10.0.0.2", "ingress-address", "10.0.0.2", "egress-subnets", "10.0.0.2/32");

    assertEquals(Optional.empty(), answer(Map.of(), List.of()));
    assertEquals(Optional.empty(), answer(Map.of(), List.of(addresses)));
    assertEquals(Optional.empty(), answer(Map.of("certificates", "[]"), List.of(addresses)));
    assertEquals(Optional.empty(), answer(Map.of("certificates", "{not json"), List.of(addresses)));
    assertEquals(Optional.empty(), answer(Map.of("certificates", "[1, \"x\", {}]"), List.of(addresses)));
    assertEquals(Optional.empty(), answer(null, null));
  }

  @Test
  void answerToStringShowsNoMaterial() {
    CertProvider.Answer a = answer(Map.of(), List.of(easyrsaBag())).orElseThrow();

    assertEquals("Answer[protocol=legacy, material=TlsMaterial[cert present, key present, ca present], "
        + "globalClient=TlsMaterial[cert present, key present, ca present]]", a.toString());
  }
}
