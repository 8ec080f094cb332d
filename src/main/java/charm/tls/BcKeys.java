package charm.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/** The public half of a private key, for the classes that build requests and certificates with BouncyCastle. */
final class BcKeys {
  private BcKeys() {}

  /** @throws IllegalArgumentException for a key that is not RSA (CRT) or EC on a known curve */
  static SubjectPublicKeyInfo publicKeyInfo(PrivateKey key) {
    try {
      if (key instanceof RSAPrivateCrtKey rsa) {
        RSAPublicKeySpec spec = new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent());
        return SubjectPublicKeyInfo.getInstance(KeyFactory.getInstance("RSA").generatePublic(spec).getEncoded());
      }
      if (key instanceof ECPrivateKey ec) {
        AlgorithmIdentifier algorithm = PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm();
        X9ECParameters curve = curve(algorithm);
        if (curve != null) {
          BigInteger d = ec.getS();
          ECPoint q = new FixedPointCombMultiplier().multiply(curve.getG(), d).normalize();
          return new SubjectPublicKeyInfo(algorithm, q.getEncoded(false));
        }
      }
    } catch (GeneralSecurityException | IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException("the private key's public half cannot be derived");
    }
    throw new IllegalArgumentException("the private key is neither an RSA key with its CRT values nor an EC key on a named curve");
  }

  private static X9ECParameters curve(AlgorithmIdentifier algorithm) {
    if (algorithm.getParameters() == null) {
      return null;
    }
    X962Parameters params = X962Parameters.getInstance(algorithm.getParameters());
    if (!params.isNamedCurve()) {
      return null;
    }
    ASN1ObjectIdentifier name = ASN1ObjectIdentifier.getInstance(params.getParameters());
    X9ECParameters custom = CustomNamedCurves.getByOID(name);
    return custom != null ? custom : ECNamedCurveTable.getByOID(name);
  }
}
