package charm.it;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Java HTTP clients that trust exactly the given CA (not the JDK's default roots) and may present
 * a client certificate: the curl-like client of the TLS tests. Host names and IP addresses are
 * checked against the server certificate's SANs, as curl does.
 */
final class TlsClients {
  private static final char[] NO_PASSWORD = new char[0];

  private TlsClients() {}

  /** Trusts the certificates in {@code caPem} and nothing else. */
  static HttpClient trusting(String caPem) {
    return client(context(caPem, null));
  }

  /** Trusts {@code caPem} and presents {@code clientCert} when the server asks for one. */
  static HttpClient withClientCert(String caPem, CertAndKey clientCert) {
    return client(context(caPem, clientCert));
  }

  static SSLContext context(String caPem, CertAndKey clientCert) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      List<X509Certificate> cas = Pem.certificates(caPem);
      for (int i = 0; i < cas.size(); i++) {
        trust.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);

      KeyManagerFactory kmf = null;
      if (clientCert != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        Certificate[] chain = Pem.certificates(clientCert.certPem()).toArray(new Certificate[0]);
        keys.setKeyEntry("client", Pem.privateKey(clientCert.keyPem()), NO_PASSWORD, chain);
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, NO_PASSWORD);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }

  private static HttpClient client(SSLContext ctx) {
    return HttpClient.newBuilder()
        .sslContext(ctx)
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }
}
