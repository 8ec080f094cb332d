package charm.workload;

import charm.tls.Keys;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * "Is our registry answering on its port?" over HTTP or HTTPS. Over HTTPS the probe trusts
 * exactly the certificate the registry was given (pinned: whatever CA signed it, the unit knows
 * what it serves) and, when the registry verifies clients, presents the unit's local client
 * certificate.
 */
public final class RegistryProbe {
  private final String host;
  private final int port;
  private final SSLSocketFactory tls;

  private RegistryProbe(String host, int port, SSLSocketFactory tls) {
    this.host = host;
    this.port = port;
    this.tls = tls;
  }

  /** A plain-HTTP probe. */
  public static RegistryProbe http(String host, int port) {
    return new RegistryProbe(host, port, null);
  }

  /**
   * An HTTPS probe that accepts only {@code servedCertPem} (its first certificate) and, when
   * {@code clientKeyPem} is not null, presents {@code clientCertPem}.
   */
  public static RegistryProbe https(String host, int port, String servedCertPem, String clientKeyPem, String clientCertPem) {
    return new RegistryProbe(host, port, pinnedContext(servedCertPem, clientKeyPem, clientCertPem).getSocketFactory());
  }

  /**
   * A TLS context that accepts only {@code servedCertPem} (its first certificate) as the server's,
   * whatever name the client connects to, and presents {@code clientCertPem} when {@code
   * clientKeyPem} is not null. The probe and the registry-side actions use it.
   */
  public static SSLContext pinnedContext(String servedCertPem, String clientKeyPem, String clientCertPem) {
    try {
      X509Certificate served = firstCertificate(servedCertPem);
      SSLContext context = SSLContext.getInstance("TLS");
      KeyManager[] keys = clientKeyPem == null ? null
          : new KeyManager[] {new OneClientKey(Keys.privateKey(clientKeyPem), firstCertificate(clientCertPem))};
      context.init(keys, new TrustManager[] {new Pinned(served)}, null);
      return context;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // The material was validated before it was planned; this is a bug, not an operator error.
      throw new IllegalStateException("cannot set up the HTTPS client: " + e.getClass().getSimpleName());
    }
  }

  /** Whether a distribution registry answers (see {@link HttpProbe#isRegistry}). */
  public boolean answers(int timeoutMillis) {
    return HttpProbe.isRegistry(host, port, timeoutMillis, tls);
  }

  /** Polls until it answers, the deadline passes or {@code keepWaiting} says stop. */
  public boolean await(BooleanSupplier keepWaiting, long timeoutMillis) {
    return HttpProbe.awaitRegistry(host, port, tls, keepWaiting, timeoutMillis);
  }

  /** What answers {@code GET /v2/} on the port. */
  public enum Answer {
    /** A distribution registry (the API header, any status). */
    REGISTRY,
    /**
     * HTTP 503 without the API header: a registry whose health checks fail answers every request
     * so, before its API handler (distribution's health.Handler); the charm configures one check,
     * the storage driver's.
     */
    UNHEALTHY,
    /** Nothing, or something else. */
    NONE
  }

  /** One probe of {@code GET /v2/}. */
  public Answer answer(int timeoutMillis) {
    HttpProbe.Head head = HttpProbe.head(host, port, "/v2/", timeoutMillis, tls);
    if (head.status() > 0 && head.hasHeader(HttpProbe.API_HEADER, "registry/2.0")) {
      return Answer.REGISTRY;
    }
    return head.status() == 503 ? Answer.UNHEALTHY : Answer.NONE;
  }

  /**
   * Polls until a registry answers, healthy or not, or the deadline passes; returns the last
   * answer.
   */
  public Answer awaitAnswer(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      Answer a = answer(1000);
      if (a != Answer.NONE || System.nanoTime() > deadline) {
        return a;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return a;
      }
    }
  }

  public int port() {
    return port;
  }

  private static X509Certificate firstCertificate(String pem) throws CertificateException {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
  }

  /** Trusts exactly one certificate as the server's. */
  /**
   * Presents one client key and certificate. A PKCS12 key store with a KeyManagerFactory would do
   * the same, but it encrypts the key with PBKDF2 on the way in: 20 to 40 ms of every HTTPS
   * update-status, measured.
   */
  private static final class OneClientKey extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    OneClientKey(PrivateKey key, X509Certificate certificate) {
      this.key = key;
      this.chain = new X509Certificate[] {certificate};
    }

    private String aliasFor(String[] keyTypes) {
      return keyTypes != null && Arrays.asList(keyTypes).contains(key.getAlgorithm()) ? ALIAS : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return aliasFor(new String[] {keyType}) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
      return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }
  }

  private static final class Pinned extends X509ExtendedTrustManager {
    private final byte[] served;

    Pinned(X509Certificate served) throws CertificateException {
      this.served = served.getEncoded();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain == null || chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), served)) {
        throw new CertificateException("not the certificate this unit serves");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a probe trusts no client");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
