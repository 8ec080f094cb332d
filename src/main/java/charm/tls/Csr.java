package charm.tls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/** PKCS#10 certificate signing requests. */
public final class Csr {
  private static final String TYPE = "CERTIFICATE REQUEST";

  private Csr() {}

  /**
   * A PKCS#10 request signed with the key (SHA256withRSA, or SHA256withECDSA for an EC key),
   * subject CN=commonName and, when there are any, subject alternative names: an IP entry for each
   * v4 or v6 literal, a DNS entry otherwise; blanks and duplicates (the same address, or the same
   * host name in any case) removed, first occurrence kept.
   *
   * @throws IllegalArgumentException when the key cannot be used (the message names no content)
   */
  public static String create(String keyPem, String commonName, List<String> sans) {
    Keys.Parsed key = Keys.parse(keyPem);
    if (!key.ok()) {
      throw new IllegalArgumentException(key.problem());
    }
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate request needs a common name");
    }
    PrivateKeyInfo info = key.info();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName.strip()).build();
    PKCS10CertificationRequestBuilder builder = new PKCS10CertificationRequestBuilder(subject, Keys.publicKeyOf(info));
    List<GeneralName> names = generalNames(sans);
    if (!names.isEmpty()) {
      try {
        Extension san = new Extension(Extension.subjectAlternativeName, false,
            new DEROctetString(new GeneralNames(names.toArray(new GeneralName[0]))));
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new Extensions(san));
      } catch (IOException e) {
        throw new IllegalStateException("cannot encode the subject alternative names", e);
      }
    }
    try {
      PKCS10CertificationRequest csr = builder.build(
          new JcaContentSignerBuilder(Keys.signatureAlgorithm(info)).build(Keys.jca(info)));
      return Pem.encode(TYPE, csr.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot sign the certificate request (" + Keys.signatureAlgorithm(info) + ")");
    }
  }

  /** GeneralNames for the names, IP literals as addresses; duplicates and blanks dropped. */
  static List<GeneralName> generalNames(List<String> sans) {
    Map<String, GeneralName> unique = new LinkedHashMap<>();
    if (sans == null) {
      return List.of();
    }
    for (String raw : sans) {
      if (raw == null || raw.isBlank()) {
        continue;
      }
      String s = raw.strip();
      byte[] ip = IpLiteral.parse(s);
      if (ip != null) {
        unique.putIfAbsent("ip " + Arrays.toString(ip), new GeneralName(GeneralName.iPAddress, new DEROctetString(ip)));
      } else {
        unique.putIfAbsent("dns " + s.toLowerCase(Locale.ROOT), new GeneralName(GeneralName.dNSName, s));
      }
    }
    return new ArrayList<>(unique.values());
  }

  /** Whether the two texts hold the same request (DER equal), whatever their wrapping; false if either is not one. */
  public static boolean same(String csrPemA, String csrPemB) {
    byte[] a = der(csrPemA);
    byte[] b = der(csrPemB);
    return a != null && b != null && Arrays.equals(a, b);
  }

  /** The request's DNS and IP subject alternative names in its order (IPs as canonical text); empty if none or unreadable. */
  public static List<String> subjectAltNames(String csrPem) {
    PKCS10CertificationRequest csr = parse(csrPem);
    List<String> out = new ArrayList<>();
    if (csr == null) {
      return out;
    }
    for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      if (attribute.getAttrValues().size() == 0) {
        continue;
      }
      Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
      GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      if (names == null) {
        continue;
      }
      for (GeneralName n : names.getNames()) {
        Certs.Name name = Certs.name(n);
        if (name != null) {
          out.add(name.text());
        }
      }
    }
    return out;
  }

  /** The subject's first common name, or null. */
  public static String commonName(String csrPem) {
    PKCS10CertificationRequest csr = parse(csrPem);
    return csr == null ? null : Certs.commonName(csr.getSubject());
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

  private static PKCS10CertificationRequest parse(String csrPem) {
    byte[] der = der(csrPem);
    if (der == null) {
      return null;
    }
    try {
      return new PKCS10CertificationRequest(der);
    } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return null;
    }
  }
}
