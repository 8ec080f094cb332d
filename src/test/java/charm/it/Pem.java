package charm.it;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM text as issuers write it. Text outside the blocks is ignored: easy-rsa puts a
 * human-readable dump of the certificate before {@code -----BEGIN CERTIFICATE-----}.
 */
final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

  private Pem() {}

  /** The DER content of every block of {@code type} ("CERTIFICATE", "PRIVATE KEY"), in order. */
  static List<byte[]> blocks(String text, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        out.add(Base64.getMimeDecoder().decode(m.group(2)));
      }
    }
    return out;
  }

  static List<X509Certificate> certificates(String text) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(text, "CERTIFICATE")) {
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no CERTIFICATE block in the text");
    }
    return out;
  }

  /** The first certificate in the text. */
  static X509Certificate certificate(String text) {
    return certificates(text).get(0);
  }

  /** A PKCS#8 ("PRIVATE KEY") RSA or EC key, what OpenSSL 3 and easy-rsa write by default. */
  static PrivateKey privateKey(String text) {
    List<byte[]> keys = blocks(text, "PRIVATE KEY");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no PKCS#8 PRIVATE KEY block in the text");
    }
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.get(0)));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("the private key is neither RSA nor EC");
  }

  /** One PEM block of {@code type} with lines of 64 characters. */
  static String encode(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
