package charm.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PKCS#10 certificate signing requests. Only {@link #create} uses BouncyCastle; the readers use
 * {@link Der}, so a hook can compare a stored request with the names it wants cheaply and create
 * a new one only when they differ (an RSA request is deterministic: same key, same names, same
 * bytes).
 */
public final class Csr {
  static final String TYPE = "CERTIFICATE REQUEST";
  private static final String EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

  private Csr() {}

  /**
   * A PKCS#10 request signed with the key (SHA256withRSA, or SHA256withECDSA for an EC key),
   * subject CN=commonName and, when there are any, subject alternative names: an IP entry for each
   * v4 or v6 literal, a DNS entry otherwise; blanks and duplicates (the same address, or the same
   * host name in any case) removed, first occurrence kept.
   *
   * @throws IllegalArgumentException when the key cannot be used or the common name is blank (the
   *     message names no content)
   */
  public static String create(String keyPem, String commonName, List<String> sans) {
    Keys.Parsed key = Keys.parse(keyPem);
    if (!key.ok()) {
      throw new IllegalArgumentException(key.problem());
    }
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate request needs a common name");
    }
    return CsrBuilder.create(key.key(), commonName.strip(), sans == null ? List.of() : sans);
  }

  /** Whether the two texts hold the same request (DER equal), whatever their wrapping; false if either is not one. */
  public static boolean same(String csrPemA, String csrPemB) {
    byte[] a = der(csrPemA);
    byte[] b = der(csrPemB);
    return a != null && b != null && Arrays.equals(a, b);
  }

  /** The request's DNS and IP subject alternative names in its order (IPs as canonical text); empty if none or unreadable. */
  public static List<String> subjectAltNames(String csrPem) {
    List<String> out = new ArrayList<>();
    Der.Tlv info = info(csrPem);
    if (info == null) {
      return out;
    }
    try {
      for (Der.Tlv field : info.children()) {
        if (field.tag != 0xa0) {
          continue; // [0] attributes
        }
        for (Der.Tlv attribute : field.children()) {
          if (!attribute.expect(Der.SEQUENCE).child(0).oid().equals(EXTENSION_REQUEST)) {
            continue;
          }
          for (Der.Tlv extensions : attribute.child(1).expect(Der.SET).children()) {
            for (Der.Tlv extension : extensions.expect(Der.SEQUENCE).children()) {
              List<Der.Tlv> parts = extension.expect(Der.SEQUENCE).children();
              if (parts.get(0).oid().equals(Certs.SUBJECT_ALT_NAME)) {
                byte[] names = parts.get(parts.size() - 1).expect(Der.OCTET_STRING).value();
                for (Certs.Name name : Certs.generalNames(names)) {
                  out.add(name.text());
                }
              }
            }
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return new ArrayList<>();
    }
    return out;
  }

  /** The subject's first common name, or null. */
  public static String commonName(String csrPem) {
    Der.Tlv info = info(csrPem);
    if (info == null) {
      return null;
    }
    try {
      return Certs.commonName(info.child(1).encoded());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The certificationRequestInfo SEQUENCE, or null. */
  private static Der.Tlv info(String csrPem) {
    try {
      return Der.parse(der(csrPem)).expect(Der.SEQUENCE).child(0).expect(Der.SEQUENCE);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The DER of the first CERTIFICATE REQUEST (or NEW CERTIFICATE REQUEST) block, or null. */
  static byte[] der(String text) {
    List<String> blocks = Pem.blocks(text, TYPE);
    if (blocks.isEmpty()) {
      blocks = Pem.blocks(text, "NEW " + TYPE);
    }
    return blocks.isEmpty() ? null : Pem.der(blocks.get(0));
  }

  /** The first request block, normalised, or null. */
  static String normalised(String text) {
    byte[] der = der(text);
    return der == null ? null : Pem.encode(TYPE, der);
  }
}
