package charm.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * Private keys: generation, parsing (PKCS#8, PKCS#1 RSA, SEC1 EC) and matching against a
 * certificate, with the JDK only (see {@link Der} for why not BouncyCastle on this path).
 */
public final class Keys {
  private static final byte[] RSA_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] EC_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final String RSA_OID_TEXT = "1.2.840.113549.1.1.1";
  private static final String EC_OID_TEXT = "1.2.840.10045.2.1";

  private Keys() {}

  /** A parsed private key, or the operator-facing reason why there is none. */
  record Parsed(PrivateKey key, String problem) {
    static Parsed problem(String problem) {
      return new Parsed(null, problem);
    }

    boolean ok() {
      return key != null;
    }

    /** Never the key: the JDK's own toString of an RSA key prints its numbers. */
    @Override
    public String toString() {
      return ok() ? "Keys.Parsed[" + key.getAlgorithm() + " key]" : "Keys.Parsed[" + problem + "]";
    }
  }

  /**
   * The private key in {@code pem} (PKCS#8, PKCS#1 RSA or SEC1 EC), JDK only.
   *
   * @throws IllegalArgumentException with the reason (never the key) when there is none
   */
  public static PrivateKey privateKey(String pem) {
    Parsed parsed = parse(pem);
    if (!parsed.ok()) {
      throw new IllegalArgumentException(parsed.problem());
    }
    return parsed.key();
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
    return cert != null && matchesPublicKey(key.key(), cert.x509().getPublicKey());
  }

  /**
   * RSA: the same modulus (and public exponent, which a CRT key carries). EC: the same curve, and
   * a signature by the private key verifies with the public one (the JDK cannot derive an EC
   * public key from a private one).
   */
  static boolean matchesPublicKey(PrivateKey key, PublicKey publicKey) {
    if (key instanceof RSAPrivateKey rsa && publicKey instanceof RSAPublicKey pub) {
      return rsa.getModulus().equals(pub.getModulus())
          && (!(rsa instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(pub.getPublicExponent()));
    }
    if (key instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey pub) {
      return sameCurve(ec.getParams(), pub.getParams()) && signatureVerifies(key, publicKey);
    }
    return false;
  }

  private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
    return a.getCurve().equals(b.getCurve()) && a.getGenerator().equals(b.getGenerator())
        && a.getOrder().equals(b.getOrder()) && a.getCofactor() == b.getCofactor();
  }

  private static boolean signatureVerifies(PrivateKey key, PublicKey publicKey) {
    byte[] message = "charm.tls key match".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(key);
      signer.update(message);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(publicKey);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Why an encrypted key (PKCS#8 or traditional) cannot be used, and what to give instead. */
  private static final String ENCRYPTED =
      "the private key is encrypted, which is not supported; give it without a passphrase (openssl pkey -in key.pem -out plain.pem)";

  /** The first private key in the text, or why it cannot be used. */
  static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      return Parsed.problem("the private key is missing");
    }
    String block = Pem.firstPrivateKey(text);
    if (block == null) {
      boolean encrypted = !Pem.blocks(text, "ENCRYPTED PRIVATE KEY").isEmpty();
      return Parsed.problem(encrypted ? ENCRYPTED : "the private key is not valid PEM");
    }
    if (block.contains("ENCRYPTED")) {
      return Parsed.problem(ENCRYPTED); // Proc-Type: 4,ENCRYPTED
    }
    byte[] der = Pem.der(block);
    if (der == null) {
      return Parsed.problem("the private key is not valid PEM");
    }
    String algorithm;
    byte[] pkcs8;
    try {
      if (block.startsWith("-----BEGIN RSA ")) {
        Der.parse(der).expect(Der.SEQUENCE);
        algorithm = "RSA";
        pkcs8 = pkcs8(Der.encode(Der.SEQUENCE, Der.encode(Der.OID, RSA_OID), Der.encode(Der.NULL)), der);
      } else if (block.startsWith("-----BEGIN EC ")) {
        byte[] curve = sec1Curve(der);
        if (curve == null) {
          return Parsed.problem("the private key does not name its curve");
        }
        algorithm = "EC";
        pkcs8 = pkcs8(Der.encode(Der.SEQUENCE, Der.encode(Der.OID, EC_OID), curve), der);
      } else {
        String oid = Der.parse(der).expect(Der.SEQUENCE).child(1).expect(Der.SEQUENCE).child(0).oid();
        algorithm = oid.equals(RSA_OID_TEXT) ? "RSA" : oid.equals(EC_OID_TEXT) ? "EC" : null;
        pkcs8 = der;
      }
    } catch (IllegalArgumentException e) {
      return Parsed.problem("the private key is not valid PEM");
    }
    if (algorithm == null) {
      return Parsed.problem("the private key is neither RSA nor EC");
    }
    try {
      return new Parsed(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)), null);
    } catch (GeneralSecurityException e) {
      // Not chained: a provider's message might describe the key.
      return Parsed.problem("the private key is not a usable " + algorithm + " key");
    }
  }

  /** The curve OID (as DER) from a SEC1 ECPrivateKey's [0] parameters, or null. */
  private static byte[] sec1Curve(byte[] der) {
    for (Der.Tlv field : Der.parse(der).expect(Der.SEQUENCE).children()) {
      if (field.tag == 0xa0) {
        Der.Tlv curve = field.child(0);
        return curve.tag == Der.OID ? curve.encoded() : null;
      }
    }
    return null;
  }

  /** PKCS#8 PrivateKeyInfo: version 0, the algorithm, the key as an OCTET STRING. */
  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithm, Der.encode(Der.OCTET_STRING, key));
  }

  /** SHA256withRSA for RSA keys, SHA256withECDSA for EC keys. */
  static String signatureAlgorithm(PrivateKey key) {
    return key instanceof RSAPrivateKey ? "SHA256withRSA" : "SHA256withECDSA";
  }
}
