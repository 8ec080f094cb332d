package charm.tls;

import charm.juju.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cert-provider relation (interface tls-certificates), legacy (easyrsa, reactive vault) and
 * modern (tls_certificates_interface v3/v4) at once: see relation-interfaces.md §2. Pure
 * functions over relation bags as Juju stores them (string to string).
 */
public final class CertProvider {
  public static final String MODERN = "modern";
  public static final String LEGACY = "legacy";

  private CertProvider() {}

  /**
   * The provider's answer for this unit.
   *
   * @param protocol {@link #MODERN} or {@link #LEGACY}
   * @param material leaf (then chain) and CA; keyPem is null for a modern answer, where the
   *     requirer holds the key
   * @param globalClient the legacy provider's shared client.cert/client.key with its CA, or null
   */
  public record Answer(String protocol, TlsMaterial material, TlsMaterial globalClient) {}

  /**
   * What this unit writes in its own unit bag, in this order. Legacy (§2.2): {@code unit_name} and
   * {@code certificate_name} (the unit name with '/' as '_'), {@code common_name}, {@code sans}
   * (JSON of the sorted names, duplicates kept, exactly as Python's {@code
   * json.dumps(sorted(sans))} writes it). Modern (§2.6): {@code certificate_signing_requests}, a
   * JSON list with one {@code {"certificate_signing_request": <PEM without trailing whitespace>,
   * "ca": false}}.
   *
   * @throws IllegalArgumentException when csrPem holds no certificate request
   */
  public static Map<String, String> request(String unitName, String commonName, List<String> sans, String csrPem) {
    String csr = Csr.normalised(csrPem);
    if (csr == null) {
      throw new IllegalArgumentException("not a PEM certificate request");
    }
    List<String> sorted = new ArrayList<>(sans);
    sorted.sort(CertProvider::compareCodePoints);
    String certificateName = legacyName(unitName);
    Map<String, String> bag = new LinkedHashMap<>();
    bag.put("unit_name", certificateName);
    bag.put("common_name", commonName);
    bag.put("sans", PyJson.stringList(sorted));
    bag.put("certificate_name", certificateName);
    bag.put("certificate_signing_requests",
        "[{\"certificate_signing_request\": " + PyJson.string(csr.stripTrailing()) + ", \"ca\": false}]");
    return bag;
  }

  /**
   * The provider's answer for this unit, modern preferred: an entry of the app bag's {@code
   * certificates} whose CSR is csrPem (DER equal) and that is not revoked gives the leaf and the
   * entry's CA; the certificate served is the leaf then its intermediates ({@link #served}, from
   * the entry's chain and CA). Otherwise legacy, from the
   * unit bags merged as §0.4 says (pass them sorted: the first bag that has a key wins): the CA
   * ({@code ca}) and either {@code <unit>.processed_requests[commonName]} or {@code
   * <unit>.server.cert}/{@code .server.key}, where {@code <unit>} is unitName with '/' as '_',
   * served with its intermediates from reactive vault's {@code chain}.
   * Certificates and keys are normalised to their PEM blocks (easyrsa's text dump dropped); a
   * value with no PEM in it is passed on as it is, for {@link CertificateCheck} to report.
   * Empty when nothing usable has arrived yet.
   */
  public static Optional<Answer> answer(String unitName, String commonName, String csrPem,
      Map<String, String> remoteAppBag, List<Map<String, String>> remoteUnitBags) {
    Optional<TlsMaterial> modern = modern(csrPem, remoteAppBag);
    if (modern.isPresent()) {
      return Optional.of(new Answer(MODERN, modern.get(), null));
    }
    return legacy(unitName, commonName, merged(remoteUnitBags));
  }

  /**
   * A modern provider's refusal of a request, from an entry of its application bag's {@code
   * request_errors} (charmlibs tls_certificates: {@code [{"csr": PEM, "error": {"code": int,
   * "name": str, "message": str, "reason": str, "provider": str, "endpoint": str}}]}, the last
   * four optional). lego puts the ACME server's detail in message and the ACME error type in
   * reason.
   */
  public record Refusal(String code, String name, String message, String reason, String endpoint) {
    /** At most this many characters of the provider's text go into a status. */
    static final int MAX_TEXT = 200;

    /** The provider's words for the operator: message, else reason, else name, else the code; one line, bounded. */
    public String text() {
      String text = !blank(message) ? message : !blank(reason) ? reason : !blank(name) ? name : "error " + code;
      String line = text.replaceAll("\\p{Cntrl}+", " ").replaceAll(" {2,}", " ").strip();
      return line.length() <= MAX_TEXT ? line : line.substring(0, MAX_TEXT - 3) + "...";
    }

    /** Every field, for the log. */
    public String details() {
      return "code " + code + ", name " + name + ", reason " + reason + ", endpoint " + endpoint + ": " + text();
    }
  }

  /**
   * The provider's refusal of this unit's request (its CSR DER equal to csrPem), if it reported
   * one; a certificate for the request wins over it (see {@link #answer}).
   */
  public static Optional<Refusal> refusal(String csrPem, Map<String, String> appBag) {
    for (Object e : entries(appBag, "request_errors", csrPem)) {
      if (e instanceof Map<?, ?> entry && entry.get("error") instanceof Map<?, ?> error && Csr.same(string(entry.get("csr")), csrPem)) {
        Object code = error.get("code");
        String codeText = code instanceof Number n ? Long.toString(n.longValue()) : String.valueOf(code);
        return Optional.of(new Refusal(codeText, string(error.get("name")), string(error.get("message")),
            string(error.get("reason")), string(error.get("endpoint"))));
      }
    }
    return Optional.empty();
  }

  /**
   * The entries of a JSON list in the provider's application bag, for a request whose CSR parses;
   * empty when there is no such key, it is not a JSON list, or the CSR does not parse.
   */
  private static List<?> entries(Map<String, String> appBag, String key, String csrPem) {
    String value = appBag == null ? null : appBag.get(key);
    if (blank(value) || Csr.der(csrPem) == null) {
      return List.of();
    }
    try {
      return Json.parse(value.getBytes(StandardCharsets.UTF_8)) instanceof List<?> entries ? entries : List.of();
    } catch (Json.ParseException e) {
      return List.of();
    }
  }

  private static Optional<TlsMaterial> modern(String csrPem, Map<String, String> appBag) {
    for (Object e : entries(appBag, "certificates", csrPem)) {
      if (!(e instanceof Map<?, ?> entry) || Boolean.TRUE.equals(entry.get("revoked"))) {
        continue;
      }
      String certificate = string(entry.get("certificate"));
      if (blank(certificate) || !Csr.same(string(entry.get("certificate_signing_request")), csrPem)) {
        continue;
      }
      List<String> chain = new ArrayList<>();
      if (entry.get("chain") instanceof List<?> list) {
        list.forEach(c -> chain.add(string(c)));
      }
      String ca = certificates(string(entry.get("ca")));
      return Optional.of(new TlsMaterial(served(certificate, chain, ca), null, ca));
    }
    return Optional.empty();
  }

  private static Optional<Answer> legacy(String unitName, String commonName, Map<String, String> bag) {
    String ca = certificates(text(bag.get("ca")));
    if (ca == null) {
      return Optional.empty();
    }
    String unit = legacyName(unitName);
    TlsMaterial server = processed(bag.get(unit + ".processed_requests"), commonName, ca);
    if (server == null) {
      server = material(text(bag.get(unit + ".server.cert")), text(bag.get(unit + ".server.key")), ca);
    }
    if (server == null) {
      return Optional.empty();
    }
    server = new TlsMaterial(served(server.certPem(), List.of(nonNull(text(bag.get("chain")))), ca), server.keyPem(), ca);
    TlsMaterial client = material(text(bag.get("client.cert")), text(bag.get("client.key")), ca);
    return Optional.of(new Answer(LEGACY, server, client));
  }

  /**
   * What the registry serves: the certificate's leaf, then the intermediates that lead from it
   * towards the CA, each the issuer of the one before (signature checked), taken from the
   * provider's chain and CA in any order; a self-signed certificate (a root, which clients
   * must already trust) ends it, and certificates off that path are left out. The leaf's
   * certificate text as it is when it holds no parsable certificate, for {@link
   * CertificateCheck} to report.
   */
  static String served(String certificate, List<String> chain, String caPem) {
    List<String> blocks = Pem.blocks(certificate, "CERTIFICATE");
    Certs.Cert leaf = blocks.isEmpty() ? null : Certs.first(blocks.get(0));
    if (leaf == null) {
      return certificate;
    }
    List<String> texts = new ArrayList<>(blocks.subList(1, blocks.size()));
    chain.forEach(c -> texts.addAll(Pem.blocks(c, "CERTIFICATE")));
    texts.addAll(Pem.blocks(caPem, "CERTIFICATE"));
    Map<String, Certs.Cert> pool = new LinkedHashMap<>(); // normalised PEM -> parsed, the leaf left out
    for (String text : texts) {
      Certs.Cert c = text.equals(blocks.get(0)) || pool.containsKey(text) ? null : Certs.first(text);
      if (c != null) {
        pool.put(text, c);
      }
    }
    StringBuilder out = new StringBuilder(blocks.get(0));
    Certs.Cert current = leaf;
    while (!pool.isEmpty()) {
      Certs.Cert subject = current;
      Map.Entry<String, Certs.Cert> issuer = pool.entrySet().stream()
          .filter(e -> Certs.signedBy(subject, e.getValue())).findFirst().orElse(null);
      if (issuer == null || Certs.signedBy(issuer.getValue(), issuer.getValue())) {
        break;
      }
      out.append(issuer.getKey());
      pool.remove(issuer.getKey());
      current = issuer.getValue();
    }
    return out.toString();
  }

  /** The {cn: {"cert": PEM, "key": PEM}} entry for commonName, or null. */
  private static TlsMaterial processed(String value, String commonName, String ca) {
    if (blank(value) || commonName == null) {
      return null;
    }
    Object parsed;
    try {
      parsed = Json.parse(value.getBytes(StandardCharsets.UTF_8));
    } catch (Json.ParseException e) {
      return null;
    }
    if (parsed instanceof Map<?, ?> requests && requests.get(commonName) instanceof Map<?, ?> issued) {
      return material(string(issued.get("cert")), string(issued.get("key")), ca);
    }
    return null;
  }

  private static TlsMaterial material(String cert, String key, String ca) {
    if (blank(cert) || blank(key)) {
      return null;
    }
    String keyBlock = Pem.firstPrivateKey(key);
    return new TlsMaterial(certificates(cert), keyBlock != null ? keyBlock : key, ca);
  }

  /** The CERTIFICATE blocks of the text joined, the text itself when it has none, null when blank. */
  private static String certificates(String text) {
    if (blank(text)) {
      return null;
    }
    String joined = Pem.joined(Pem.blocks(text, "CERTIFICATE"));
    return joined != null ? joined : text;
  }

  /** §0.4: for each key, the value of the first bag (lowest unit) that has it. */
  private static Map<String, String> merged(List<Map<String, String>> bags) {
    Map<String, String> out = new HashMap<>();
    if (bags != null) {
      for (Map<String, String> bag : bags) {
        for (Map.Entry<String, String> e : bag.entrySet()) {
          if (!blank(e.getValue())) {
            out.putIfAbsent(e.getKey(), e.getValue());
          }
        }
      }
    }
    return out;
  }

  /** A raw value, or the string inside a JSON-quoted one (a provider that wrote it through a JSON view). */
  private static String text(String value) {
    if (value != null && value.startsWith("\"")) {
      try {
        if (Json.parse(value.getBytes(StandardCharsets.UTF_8)) instanceof String s) {
          return s;
        }
      } catch (Json.ParseException e) {
        return value;
      }
    }
    return value;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static String string(Object o) {
    return o instanceof String s ? s : null;
  }

  private static String legacyName(String unitName) {
    return unitName.replace('/', '_');
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** Python's str ordering: by code point, not by UTF-16 unit. */
  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
