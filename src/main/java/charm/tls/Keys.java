package charm.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Private keys: generation, parsing (PKCS#8, PKCS#1 RSA, SEC1 EC) and matching against a
 * certificate. Keys are read as ASN.1 and the public half is derived with BouncyCastle's
 * lightweight API; the JDK's own providers sign. No BouncyCastle JCA provider is registered.
 */
public final class Keys {
  private Keys() {}

  /** A parsed private key, or the operator-facing reason why there is none. */
  record Parsed(PrivateKeyInfo info, String problem) {
    static Parsed of(PrivateKeyInfo info) {
      return new Parsed(info, null);
    }

    static Parsed problem(String problem) {
      return new Parsed(null, problem);
    }

    boolean ok() {
      return info != null;
    }

    @Override
    public String toString() {
      return ok() ? "Keys.Parsed[key]" : "Keys.Parsed[" + problem + "]";
    }
  }

  /** A new RSA 2048 key as PKCS#8 "PRIVATE KEY" PEM. */
  public static String newPrivateKeyPem() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return Pem.encode("PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM cannot generate RSA keys", e);
    }
  }

  /** Whether the certificate's (first block's) public key is the key's public key; RSA and EC. */
  public static boolean matches(String keyPem, String certPem) {
    Parsed key = parse(keyPem);
    if (!key.ok()) {
      return false;
    }
    Certs.Cert cert = Certs.first(certPem);
    return cert != null && matchesPublicKey(key.info(), cert.holder().getSubjectPublicKeyInfo());
  }

  static boolean matchesPublicKey(PrivateKeyInfo key, SubjectPublicKeyInfo certKey) {
    SubjectPublicKeyInfo derived = publicKeyOf(key);
    return derived != null && samePublicKey(derived, certKey);
  }

  /** The first private key in the text, as PKCS#8 structure, or why it cannot be used. */
  static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      return Parsed.problem("the private key is missing");
    }
    String block = Pem.firstPrivateKey(text);
    if (block == null) {
      boolean encrypted = !Pem.blocks(text, "ENCRYPTED PRIVATE KEY").isEmpty();
      return Parsed.problem(encrypted ? "the private key is encrypted" : "the private key is not valid PEM");
    }
    if (block.contains("ENCRYPTED")) {
      return Parsed.problem("the private key is encrypted"); // Proc-Type: 4,ENCRYPTED
    }
    byte[] der = Pem.der(block);
    if (der == null) {
      return Parsed.problem("the private key is not valid PEM");
    }
    PrivateKeyInfo info;
    try {
      if (block.startsWith("-----BEGIN RSA ")) {
        AlgorithmIdentifier rsa = new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE);
        info = new PrivateKeyInfo(rsa, RSAPrivateKey.getInstance(der));
      } else if (block.startsWith("-----BEGIN EC ")) {
        ECPrivateKey ec = ECPrivateKey.getInstance(der);
        if (ec.getParametersObject() == null) {
          return Parsed.problem("the private key does not name its curve");
        }
        info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()), ec);
      } else {
        info = PrivateKeyInfo.getInstance(der);
      }
    } catch (java.io.IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return Parsed.problem("the private key is not valid PEM");
    }
    if (publicKeyOf(info) == null) {
      return Parsed.problem("the private key is neither RSA nor EC");
    }
    return Parsed.of(info);
  }

  /** The public key that belongs to the private key (RSA or EC), or null. */
  static SubjectPublicKeyInfo publicKeyOf(PrivateKeyInfo info) {
    AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    try {
      if (isRsa(oid)) {
        RSAPrivateKey rsa = RSAPrivateKey.getInstance(info.parsePrivateKey());
        return new SubjectPublicKeyInfo(alg, new RSAPublicKey(rsa.getModulus(), rsa.getPublicExponent()));
      }
      if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        X9ECParameters curve = curve(alg);
        if (curve == null) {
          return null;
        }
        BigInteger d = ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
        ECPoint q = new FixedPointCombMultiplier().multiply(curve.getG(), d).normalize();
        return new SubjectPublicKeyInfo(alg, q.getEncoded(false));
      }
    } catch (java.io.IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return null;
    }
    return null;
  }

  static boolean samePublicKey(SubjectPublicKeyInfo a, SubjectPublicKeyInfo b) {
    ASN1ObjectIdentifier oa = a.getAlgorithm().getAlgorithm();
    ASN1ObjectIdentifier ob = b.getAlgorithm().getAlgorithm();
    try {
      if (isRsa(oa) && isRsa(ob)) {
        RSAPublicKey ka = RSAPublicKey.getInstance(a.parsePublicKey());
        RSAPublicKey kb = RSAPublicKey.getInstance(b.parsePublicKey());
        return ka.getModulus().equals(kb.getModulus()) && ka.getPublicExponent().equals(kb.getPublicExponent());
      }
      if (oa.equals(X9ObjectIdentifiers.id_ecPublicKey) && ob.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        X9ECParameters curve = curve(a.getAlgorithm());
        if (curve == null || !a.getAlgorithm().getParameters().equals(b.getAlgorithm().getParameters())) {
          return false;
        }
        ECPoint pa = curve.getCurve().decodePoint(a.getPublicKeyData().getBytes());
        ECPoint pb = curve.getCurve().decodePoint(b.getPublicKeyData().getBytes());
        return pa.equals(pb);
      }
    } catch (java.io.IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return false;
    }
    return oa.equals(ob) && Arrays.equals(a.getPublicKeyData().getBytes(), b.getPublicKeyData().getBytes());
  }

  private static boolean isRsa(ASN1ObjectIdentifier oid) {
    return oid.equals(PKCSObjectIdentifiers.rsaEncryption);
  }

  private static X9ECParameters curve(AlgorithmIdentifier alg) {
    if (alg.getParameters() == null) {
      return null;
    }
    X962Parameters params = X962Parameters.getInstance(alg.getParameters());
    if (params.isNamedCurve()) {
      ASN1ObjectIdentifier name = ASN1ObjectIdentifier.getInstance(params.getParameters());
      X9ECParameters custom = CustomNamedCurves.getByOID(name);
      return custom != null ? custom : ECNamedCurveTable.getByOID(name);
    }
    if (params.isImplicitlyCA()) {
      return null;
    }
    return X9ECParameters.getInstance(params.getParameters());
  }

  /** The key for the JDK's signature providers. */
  static PrivateKey jca(PrivateKeyInfo info) {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String algorithm = isRsa(oid) ? "RSA" : "EC";
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | java.io.IOException e) {
      // Not chained: a provider's message might describe the key.
      throw new IllegalArgumentException("the private key cannot be used for signing (" + algorithm + ")");
    }
  }

  /**
   * The public key for the JDK's signature providers, or null for another algorithm. (BouncyCastle's
   * own conversion asks the JDK for a KeyFactory by OID, which the JDK does not know for EC.)
   */
  static PublicKey jcaPublic(SubjectPublicKeyInfo spki) {
    ASN1ObjectIdentifier oid = spki.getAlgorithm().getAlgorithm();
    String algorithm = isRsa(oid) ? "RSA" : oid.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC" : null;
    if (algorithm == null) {
      return null;
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
    } catch (GeneralSecurityException | java.io.IOException e) {
      return null;
    }
  }

  /** SHA256withRSA for RSA keys, SHA256withECDSA for EC keys. */
  static String signatureAlgorithm(PrivateKeyInfo info) {
    return isRsa(info.getPrivateKeyAlgorithm().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
  }
}
