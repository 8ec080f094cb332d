package charm.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** X.509 certificates read from PEM by the JDK; names read with {@link Der}. */
final class Certs {
  static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String COMMON_NAME = "2.5.4.3";

  private Certs() {}

  /** One parsed certificate. */
  record Cert(X509Certificate x509) {
    @Override
    public String toString() {
      return "Certs.Cert[" + x509.getSubjectX500Principal().getName() + "]";
    }
  }

  /** A name a certificate or request carries: a DNS name or the bytes of an IP address. */
  record Name(String dns, byte[] ip) {
    String text() {
      return dns != null ? dns : IpLiteral.format(ip);
    }
  }

  /** Every CERTIFICATE block parsed, in order; null when there is none or one does not parse. */
  static List<Cert> all(String text) {
    List<String> blocks = Pem.blocks(text, "CERTIFICATE");
    if (blocks.isEmpty()) {
      return null;
    }
    List<Cert> out = new ArrayList<>(blocks.size());
    for (String block : blocks) {
      Cert c = parse(block);
      if (c == null) {
        return null;
      }
      out.add(c);
    }
    return out;
  }

  /** The first CERTIFICATE block parsed, or null. */
  static Cert first(String text) {
    List<String> blocks = Pem.blocks(text, "CERTIFICATE");
    return blocks.isEmpty() ? null : parse(blocks.get(0));
  }

  private static Cert parse(String block) {
    byte[] der = Pem.der(block);
    if (der == null || der.length == 0) {
      return null;
    }
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      return new Cert((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
    } catch (CertificateException | ClassCastException e) {
      return null;
    }
  }

  /** Whether issuer names child's issuer and its key verifies child's signature. */
  static boolean signedBy(Cert child, Cert issuer) {
    if (!child.x509().getIssuerX500Principal().equals(issuer.x509().getSubjectX500Principal())) {
      return false;
    }
    try {
      child.x509().verify(issuer.x509().getPublicKey());
      return true;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The certificate's DNS and IP subject alternative names, in its order; empty if unreadable. */
  static List<Name> subjectAltNames(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(SUBJECT_ALT_NAME);
    if (ext == null) {
      return List.of();
    }
    try {
      return generalNames(Der.parse(ext).expect(Der.OCTET_STRING).value());
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  /** The DNS ([2] IA5String) and IP ([7] OCTET STRING) entries of a GeneralNames SEQUENCE. */
  static List<Name> generalNames(byte[] der) {
    List<Name> out = new ArrayList<>();
    for (Der.Tlv n : Der.parse(der).expect(Der.SEQUENCE).children()) {
      if (n.tag == 0x82) {
        out.add(new Name(new String(n.value(), java.nio.charset.StandardCharsets.US_ASCII), null));
      } else if (n.tag == 0x87) {
        byte[] ip = n.value();
        if (ip.length == 4 || ip.length == 16) {
          out.add(new Name(null, ip));
        }
      }
    }
    return out;
  }

  /** The first common name in an X.500 Name (SEQUENCE of SETs of {OID, value}), or null. */
  static String commonName(byte[] nameDer) {
    try {
      for (Der.Tlv rdn : Der.parse(nameDer).expect(Der.SEQUENCE).children()) {
        for (Der.Tlv attribute : rdn.expect(Der.SET).children()) {
          if (attribute.expect(Der.SEQUENCE).child(0).oid().equals(COMMON_NAME)) {
            return attribute.child(1).text();
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return null;
  }

  static String commonName(X509Certificate cert) {
    return commonName(cert.getSubjectX500Principal().getEncoded());
  }
}
