package charm.tls;

import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/** X.509 certificates read from PEM with BouncyCastle's ASN.1 classes; signatures checked by the JDK. */
final class Certs {
  private Certs() {}

  /** One parsed certificate. */
  record Cert(X509CertificateHolder holder) {
    @Override
    public String toString() {
      return "Certs.Cert[" + holder.getSubject() + "]";
    }
  }

  /** A name a certificate carries: a DNS name or the bytes of an IP address. */
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
      return new Cert(new X509CertificateHolder(der));
    } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return null;
    }
  }

  /** Whether issuer names child's issuer and its key verifies child's signature. */
  static boolean signedBy(Cert child, Cert issuer) {
    if (!child.holder().getIssuer().equals(issuer.holder().getSubject())) {
      return false;
    }
    PublicKey key = Keys.jcaPublic(issuer.holder().getSubjectPublicKeyInfo());
    if (key == null) {
      return false;
    }
    try {
      return child.holder().isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
    } catch (CertException | OperatorCreationException | IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }

  /** The DNS and IP subject alternative names, in the certificate's order. */
  static List<Name> subjectAltNames(X509CertificateHolder holder) {
    List<Name> out = new ArrayList<>();
    Extension ext = holder.getExtension(Extension.subjectAlternativeName);
    if (ext == null) {
      return out;
    }
    for (GeneralName n : GeneralNames.getInstance(ext.getParsedValue()).getNames()) {
      Name name = name(n);
      if (name != null) {
        out.add(name);
      }
    }
    return out;
  }

  static Name name(GeneralName n) {
    if (n.getTagNo() == GeneralName.dNSName) {
      return new Name(((ASN1String) n.getName()).getString(), null);
    }
    if (n.getTagNo() == GeneralName.iPAddress) {
      byte[] ip = ASN1OctetString.getInstance(n.getName()).getOctets();
      return ip.length == 4 || ip.length == 16 ? new Name(null, ip) : null;
    }
    return null;
  }

  /** The first common name of the subject, or null. */
  static String commonName(X500Name subject) {
    RDN[] rdns = subject.getRDNs(BCStyle.CN);
    if (rdns.length == 0 || rdns[0].getFirst() == null) {
      return null;
    }
    return rdns[0].getFirst().getValue() instanceof ASN1String s ? s.getString() : null;
  }
}
