package charm.tls;

/**
 * TLS material as PEM text: the leaf certificate first, then any chain; an unencrypted private
 * key (null when another party holds it); an optional CA bundle (null when none). {@link
 * #toString} says only which parts are present.
 */
public record TlsMaterial(String certPem, String keyPem, String caPem) {

  /** The same material with another key (the requirer's own, for a modern provider's answer). */
  public TlsMaterial withKey(String keyPem) {
    return new TlsMaterial(certPem, keyPem, caPem);
  }

  @Override
  public String toString() {
    return "TlsMaterial[cert " + presence(certPem) + ", key " + presence(keyPem) + ", ca " + presence(caPem) + "]";
  }

  private static String presence(String pem) {
    return pem == null || pem.isBlank() ? "absent" : "present";
  }
}
