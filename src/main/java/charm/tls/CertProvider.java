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
   * certificates} whose CSR is csrPem (DER equal) and that is not revoked gives the leaf, the
   * entry's chain after it (without the leaf again) and the entry's CA. Otherwise legacy, from the
   * unit bags merged as §0.4 says (pass them sorted: the first bag that has a key wins): the CA
   * ({@code ca}) and either {@code <unit>.processed_requests[commonName]} or {@code
   * <unit>.server.cert}/{@code .server.key}, where {@code <unit>} is unitName with '/' as '_'.
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

  private static Optional<TlsMaterial> modern(String csrPem, Map<String, String> appBag) {
    String value = appBag == null ? null : appBag.get("certificates");
    if (blank(value) || Csr.der(csrPem) == null) {
      return Optional.empty();
    }
    Object parsed;
    try {
      parsed = Json.parse(value.getBytes(StandardCharsets.UTF_8));
    } catch (Json.ParseException e) {
      return Optional.empty();
    }
    if (!(parsed instanceof List<?> entries)) {
      return Optional.empty();
    }
    for (Object e : entries) {
      if (!(e instanceof Map<?, ?> entry) || Boolean.TRUE.equals(entry.get("revoked"))) {
        continue;
      }
      String certificate = string(entry.get("certificate"));
      if (blank(certificate) || !Csr.same(string(entry.get("certificate_signing_request")), csrPem)) {
        continue;
      }
      List<String> blocks = new ArrayList<>(Pem.blocks(certificate, "CERTIFICATE"));
      String certPem;
      if (blocks.isEmpty()) {
        certPem = certificate;
      } else {
        if (entry.get("chain") instanceof List<?> chain) {
          for (Object c : chain) {
            for (String block : Pem.blocks(string(c), "CERTIFICATE")) {
              if (!blocks.contains(block)) {
                blocks.add(block);
              }
            }
          }
        }
        certPem = Pem.joined(blocks);
      }
      return Optional.of(new TlsMaterial(certPem, null, certificates(string(entry.get("ca")))));
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
    TlsMaterial client = material(text(bag.get("client.cert")), text(bag.get("client.key")), ca);
    return Optional.of(new Answer(LEGACY, server, client));
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
