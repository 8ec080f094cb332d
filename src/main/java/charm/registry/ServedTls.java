package charm.registry;

/**
 * The validated TLS material the registry serves with.
 *
 * @param certPem the leaf certificate, then any intermediates
 * @param keyPem its private key
 * @param clientCasPem the CAs whose client certificates the registry accepts (the known CA, the
 *     unit's local CA, then tls-client-ca-blob's), or null when the registry does not verify clients
 * @param source where the material came from, for status and logs: "cert-provider",
 *     "tls-*-blob" or "tls-*-path"
 */
public record ServedTls(String certPem, String keyPem, String clientCasPem, String source) {
  @Override
  public String toString() {
    return "ServedTls[source=" + source + ", clientCas=" + (clientCasPem != null) + "]";
  }
}
