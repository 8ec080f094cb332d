package charm.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The unit's own small CA for its local clients (the probe, the nrpe check, the docker engine on
 * the unit) when the registry verifies client certificates. Keys are EC P-256, signatures
 * SHA256withECDSA (SHA256withRSA for an RSA CA key given to issueClient). Certificates start 5 minutes before "now" to allow for clock skew.
 */
public final class LocalCa {
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalCa() {}

  /** A key and its certificate, as PEM (PKCS#8 "PRIVATE KEY" and "CERTIFICATE"). */
  public record Issued(String keyPem, String certPem) {
    @Override
    public String toString() {
      return "LocalCa.Issued[key and certificate]";
    }
  }

  /** A self-signed CA: basicConstraints CA:true (critical), keyUsage keyCertSign|cRLSign (critical). */
  public static Issued newCa(String commonName, Duration validity) {
    return newCa(commonName, validity, Instant.now());
  }

  public static Issued newCa(String commonName, Duration validity, Instant now) {
    KeyPair pair = newEcKey();
    X500Name name = cn(commonName);
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
    X509v3CertificateBuilder builder =
        builder(name, name, spki, now.minus(BACKDATE), now.plus(validity));
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spki)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the CA's extensions", e);
    }
    return new Issued(Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), sign(builder, pair.getPrivate(), "SHA256withECDSA"));
  }

  /**
   * A client certificate signed by the CA: EC P-256 key, extendedKeyUsage clientAuth,
   * keyUsage digitalSignature (critical), basicConstraints CA:false. It never outlives the CA.
   *
   * @throws IllegalArgumentException when the CA's key or certificate cannot be read or do not match
   */
  public static Issued issueClient(Issued ca, String commonName, Duration validity) {
    return issueClient(ca, commonName, validity, Instant.now());
  }

  public static Issued issueClient(Issued ca, String commonName, Duration validity, Instant now) {
    Certs.Cert caCert = Certs.first(ca.certPem());
    if (caCert == null) {
      throw new IllegalArgumentException("the CA certificate is not valid PEM");
    }
    Keys.Parsed caKey = Keys.parse(ca.keyPem());
    if (!caKey.ok()) {
      throw new IllegalArgumentException("the CA's key: " + caKey.problem());
    }
    if (!Keys.matchesPublicKey(caKey.key(), caCert.x509().getPublicKey())) {
      throw new IllegalArgumentException("the CA's key does not match its certificate");
    }
    KeyPair pair = newEcKey();
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
    Instant notAfter = now.plus(validity);
    Instant caNotAfter = caCert.x509().getNotAfter().toInstant();
    if (notAfter.isAfter(caNotAfter)) {
      notAfter = caNotAfter;
    }
    X509v3CertificateBuilder builder =
        builder(X500Name.getInstance(caCert.x509().getSubjectX500Principal().getEncoded()), cn(commonName), spki,
            now.minus(BACKDATE), notAfter);
    SubjectPublicKeyInfo caSpki = SubjectPublicKeyInfo.getInstance(caCert.x509().getPublicKey().getEncoded());
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      builder.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spki)));
      builder.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyId(caSpki)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the client certificate's extensions", e);
    }
    PrivateKey signer = caKey.key();
    return new Issued(Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), sign(builder, signer, Keys.signatureAlgorithm(signer)));
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, SubjectPublicKeyInfo spki, Instant notBefore, Instant notAfter) {
    BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE); // positive, at most 16 bytes
    return new X509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, spki);
  }

  private static X500Name cn(String commonName) {
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a common name");
    }
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName.strip()).build();
  }

  private static String sign(X509v3CertificateBuilder builder, PrivateKey key, String algorithm) {
    try {
      byte[] der = builder.build(new JcaContentSignerBuilder(algorithm).build(key)).getEncoded();
      return Pem.encode("CERTIFICATE", der);
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot sign the certificate (" + algorithm + ")");
    }
  }

  private static KeyPair newEcKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate EC P-256 keys", e);
    }
  }

  /** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
  private static byte[] keyId(SubjectPublicKeyInfo spki) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no SHA-1", e);
    }
  }
}
