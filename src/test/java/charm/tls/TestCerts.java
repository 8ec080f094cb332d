package charm.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates openssl 3.0 cannot easily make (backdated, future, CN only), built with BouncyCastle. */
public final class TestCerts {
  private TestCerts() {}

  public record Made(String keyPem, String certPem) {}

  /**
   * A self-signed EC certificate.
   *
   * @param sans entries like "IP:10.0.0.5" or "DNS:a.example"; empty for no SAN extension
   */
  public static Made selfSigned(String cn, List<String> sans, Instant notBefore, Instant notAfter) {
    return issue(null, cn, sans, notBefore, notAfter, false);
  }

  public static Made issue(Made issuer, String cn, List<String> sans, Instant notBefore, Instant notAfter, boolean ca) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = g.generateKeyPair();
      X500Name subject = new X500Name("CN=" + cn);
      X500Name issuerName = subject;
      java.security.PrivateKey signer = pair.getPrivate();
      if (issuer != null) {
        issuerName = new X509CertificateHolder(Pem.der(issuer.certPem())).getSubject();
        signer = Keys.parse(issuer.keyPem()).key();
      }
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(issuerName, BigInteger.valueOf(System.nanoTime()),
          Date.from(notBefore), Date.from(notAfter), subject, SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()));
      if (ca) {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      }
      if (!sans.isEmpty()) {
        GeneralName[] names = new GeneralName[sans.size()];
        for (int i = 0; i < names.length; i++) {
          String s = sans.get(i);
          names[i] = s.startsWith("IP:")
              ? new GeneralName(GeneralName.iPAddress, new DEROctetString(IpLiteral.parse(s.substring(3))))
              : new GeneralName(GeneralName.dNSName, s.substring(4));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      byte[] der = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)).getEncoded();
      return new Made(Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), Pem.encode("CERTIFICATE", der));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
