package charm.workload;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The steady HTTPS hooks' proof that our registry answers, made by {@code curl} in a child
 * process instead of the JDK's TLS client: loading JSSE (security providers, the handshake's
 * classes) costs a fresh JVM about 80 ms and 15 MiB, a steady update-status more than everything
 * else it does. curl is on every Ubuntu image Juju deploys; without it the caller uses {@link
 * RegistryProbe}.
 *
 * <p>The same checks as {@link RegistryProbe#https}: the server's public key must be the served
 * certificate's ({@code --pinnedpubkey}, checked before anything is sent, whatever name or CA the
 * certificate has, as the Java probe accepts any name), the unit's local client certificate is
 * presented when the registry verifies clients, and {@code GET /v2/} must carry {@code
 * Docker-Distribution-Api-Version: registry/2.0}. No proxy, no curlrc, HTTP/1.1, one deadline.
 */
public final class CurlProbe {
  /** Where curl is looked for after the directories of PATH. */
  private static final List<String> USUAL = List.of("/usr/bin/curl", "/bin/curl");
  /** Past curl's own --max-time, the time given to it to exit before it is killed. */
  private static final long GRACE_MILLIS = 500;
  private static final int MAX_HEAD = 16384;

  private final Path curl;

  private CurlProbe(Path curl) {
    this.curl = curl;
  }

  /** The curl of this machine (PATH, then /usr/bin), or empty. */
  public static Optional<CurlProbe> find() {
    List<String> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        if (!dir.isEmpty()) {
          candidates.add(dir + "/curl");
        }
      }
    }
    candidates.addAll(USUAL);
    for (String c : candidates) {
      File f = new File(c);
      if (f.isFile() && f.canExecute()) {
        return Optional.of(new CurlProbe(f.toPath()));
      }
    }
    return Optional.empty();
  }

  /** The probe that runs this curl (tests). */
  static CurlProbe at(Path curl) {
    return new CurlProbe(curl);
  }

  /**
   * curl's pin of a certificate's public key: {@code sha256//} and the base64 SHA-256 of its
   * SubjectPublicKeyInfo (the first certificate of the PEM).
   */
  public static String pin(String certPem) {
    try {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
      byte[] spki = cert.getPublicKey().getEncoded();
      return "sha256//" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the served certificate's public key: " + e.getClass().getSimpleName());
    }
  }

  /**
   * Whether our registry answers {@code GET https://host:port/v2/} within the time: the server
   * holds the pinned key and sends the distribution API header (any status).
   *
   * @param pin {@link #pin} of the served certificate
   * @param clientCert the unit's local client certificate (PEM file), or null when the registry does not verify clients
   * @param clientKey its key (PEM file), or null
   */
  public boolean answers(String host, int port, String pin, Path clientCert, Path clientKey, int timeoutMillis) {
    if (!pin.startsWith("sha256//") || pin.contains(";") || pin.length() < 20) {
      return false;
    }
    String seconds = String.format(java.util.Locale.ROOT, "%.3f", timeoutMillis / 1000.0);
    List<String> argv = new ArrayList<>(List.of(curl.toString(), "-q", "--silent", "--noproxy", "*", "--proto", "=https", "--http1.1",
        // The chain and the name are not what proves it is ours: the pinned key is (checked with -k too).
        "--insecure", "--pinnedpubkey", pin, "--max-time", seconds, "--connect-timeout", seconds,
        "--output", "/dev/null", "--dump-header", "-"));
    if (clientCert != null && clientKey != null) {
      argv.addAll(List.of("--cert", clientCert.toString(), "--key", clientKey.toString()));
    }
    argv.add("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/v2/");
    Process process = null;
    try {
      process = new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      // The head is far below a pipe's buffer, so curl never waits for this process to read;
      // a server sending more than that is not our registry, and the deadline ends it.
      if (!process.waitFor(timeoutMillis + GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return false;
      }
      if (process.exitValue() != 0) {
        return false; // 90: not the pinned key; 35, 56: the handshake failed; 7, 28: nothing answered
      }
      byte[] head;
      try (InputStream in = process.getInputStream()) {
        head = in.readNBytes(MAX_HEAD);
      }
      String text = new String(head, StandardCharsets.ISO_8859_1);
      int blank = text.indexOf("\r\n\r\n");
      text = blank >= 0 ? text.substring(0, blank) : text;
      if (text.length() < 12 || !text.startsWith("HTTP/1.")) {
        return false;
      }
      HttpProbe.Head parsed = new HttpProbe.Head(Integer.parseInt(text.substring(9, 12)), text);
      return parsed.status() > 0 && parsed.hasHeader(HttpProbe.API_HEADER, "registry/2.0");
    } catch (IOException | NumberFormatException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return false;
    } finally {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

}
