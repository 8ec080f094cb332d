package charm.registry;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Base64 option values that carry PEM (tls-*-blob, auth-token-root-certs): decoding and a syntax
 * check. Deeper checks (key matches certificate, expiry, names) happen before use, in the TLS
 * code. Never includes the content in anything it returns.
 */
public final class Pems {
  private static final Pattern CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----\\s+([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----\\s+[A-Za-z0-9+/=\\s]+?-----END \\1-----");

  private static final Pattern ENCRYPTED_TRADITIONAL =
      Pattern.compile("-----BEGIN (?:RSA|EC) PRIVATE KEY-----\\s+Proc-Type:\\s*4,\\s*ENCRYPTED");
  /** What the operator reads about an encrypted key (tls-key-blob or the tls-key-path file). */
  public static final String ENCRYPTED_KEY =
      "encrypted private keys are not supported; give the key without a passphrase (openssl pkey -in key.pem -out plain.pem)";

  private Pems() {}

  /** The decoded text of a base64 option (line breaks allowed), or empty when it is not base64. */
  public static Optional<String> decode(String base64) {
    try {
      byte[] bytes = Base64.getMimeDecoder().decode(base64.trim());
      if (bytes.length == 0 || !Base64.getEncoder().encodeToString(bytes).replace("=", "")
          .equals(base64.replaceAll("[\\s=]", ""))) {
        return Optional.empty(); // the MIME decoder skips characters outside the alphabet
      }
      return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The certificates in a base64 PEM bundle, each re-encoded as PEM; empty if none or invalid. */
  public static Optional<List<String>> certificates(String base64) {
    Optional<String> text = decode(base64);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    Matcher m = CERTIFICATE.matcher(text.get());
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        factory.generateCertificate(new ByteArrayInputStream(der));
        out.add(toPem(der));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      return Optional.empty();
    }
    return out.isEmpty() ? Optional.empty() : Optional.of(out);
  }

  /**
   * The certificates in a base64 PEM bundle when every one is a CA certificate (basic
   * constraints CA:TRUE); empty if none, invalid, or any is not a CA.
   */
  public static Optional<List<String>> caCertificates(String base64) {
    Optional<List<String>> certs = certificates(base64);
    if (certs.isEmpty()) {
      return Optional.empty();
    }
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (String pem : certs.get()) {
        java.security.cert.X509Certificate c = (java.security.cert.X509Certificate) factory.generateCertificate(
            new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        if (c.getBasicConstraints() < 0) {
          return Optional.empty();
        }
      }
    } catch (CertificateException e) {
      return Optional.empty();
    }
    return certs;
  }

  /** Whether the base64 text decodes to an unencrypted PEM private key. */
  public static boolean hasPrivateKey(String base64) {
    Optional<String> text = decode(base64);
    if (text.isEmpty()) {
      return false;
    }
    Matcher m = PRIVATE_KEY.matcher(text.get());
    return m.find() && !m.group(1).startsWith("ENCRYPTED");
  }

  /**
   * Whether the base64 text decodes to an encrypted PEM private key: a PKCS#8 "ENCRYPTED PRIVATE
   * KEY" block, or a traditional RSA or EC key with the header {@code Proc-Type: 4,ENCRYPTED}.
   */
  public static boolean hasEncryptedPrivateKey(String base64) {
    return decode(base64).map(t -> t.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || ENCRYPTED_TRADITIONAL.matcher(t).find()).orElse(false);
  }

  /** PEM of one DER certificate, lines of 64 characters. */
  static String toPem(byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
  }
}
