package charm.registry;

import static charm.registry.CharmConfig.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


import charm.tls.LocalCa;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The auth-* and tls-* options: which combinations are valid, and what the plan makes of them. */
class AuthTlsOptionsTest {
  /** A well-formed certificate and key, made when the tests run (no key material in the repository). */
  private static final LocalCa.Issued SIGNER = LocalCa.newCa("test-token-signer", Duration.ofDays(30));
  static final String CERT = SIGNER.certPem();
  static final String KEY = SIGNER.keyPem();
  static final String CERT_B64 = b64(CERT);
  static final String KEY_B64 = b64(KEY);
  static final Owner OWNER = new Owner("model", "docker-registry", "docker-registry/0");

  static Stream<Arguments> invalid() {
    Map<String, Object> token = token();
    return Stream.of(
        Arguments.of("basic user with a colon", Map.of("auth-basic-user", "a:b", "auth-basic-password", "pw"), List.of("auth-basic-user")),
        Arguments.of("basic user with a tab", Map.of("auth-basic-user", "a\tb", "auth-basic-password", "pw"), List.of("auth-basic-user")),
        Arguments.of("basic user with a leading space", Map.of("auth-basic-user", " ab", "auth-basic-password", "pw"), List.of("auth-basic-user")),
        Arguments.of("basic user a comment to htpasswd", Map.of("auth-basic-user", "#ab", "auth-basic-password", "pw"), List.of("auth-basic-user")),
        Arguments.of("basic user empty", Map.of("auth-basic-user", "", "auth-basic-password", "pw"), List.of("auth-basic-user")),
        Arguments.of("password over 72 bytes", Map.of("auth-basic-password", "é".repeat(36) + "x"), List.of("auth-basic-password")),
        Arguments.of("password on two lines", Map.of("auth-basic-password", "a\nb"), List.of("auth-basic-password")),
        Arguments.of("token realm only", Map.of("auth-token-realm", "https://auth.example/token"),
            List.of("auth-token-issuer", "auth-token-root-certs", "auth-token-service")),
        Arguments.of("token realm not a url", withOne(token, "auth-token-realm", "auth.example"), List.of("auth-token-realm")),
        Arguments.of("token certs not base64", withOne(token, "auth-token-root-certs", "not base64!"), List.of("auth-token-root-certs")),
        Arguments.of("token certs not pem", withOne(token, "auth-token-root-certs", b64("hello")), List.of("auth-token-root-certs")),
        Arguments.of("token certs a key", withOne(token, "auth-token-root-certs", KEY_B64), List.of("auth-token-root-certs")),
        Arguments.of("basic and token", withOne(token, "auth-basic-password", "pw"), List.of("auth-basic-password", "auth-token-realm")),
        Arguments.of("cert blob without key", Map.of("tls-cert-blob", CERT_B64), List.of("tls-key-blob")),
        Arguments.of("key blob without cert", Map.of("tls-key-blob", KEY_B64), List.of("tls-cert-blob")),
        Arguments.of("cert blob garbage", Map.of("tls-cert-blob", "%%%", "tls-key-blob", KEY_B64), List.of("tls-cert-blob")),
        Arguments.of("cert blob is a key", Map.of("tls-cert-blob", KEY_B64, "tls-key-blob", KEY_B64), List.of("tls-cert-blob")),
        Arguments.of("key blob is a cert", Map.of("tls-cert-blob", CERT_B64, "tls-key-blob", CERT_B64), List.of("tls-key-blob")),
        Arguments.of("ca blob not pem", Map.of("tls-ca-blob", b64("x")), List.of("tls-ca-blob")),
        Arguments.of("relative cert path", Map.of("tls-cert-path", "registry.crt"), List.of("tls-cert-path")),
        Arguments.of("key path is config.yml", Map.of("tls-key-path", "/etc/docker/registry/config.yml"), List.of("tls-key-path")),
        Arguments.of("ca path in the charm's tls dir", Map.of("tls-ca-path", "/etc/docker/registry/tls/../tls/x.crt"), List.of("tls-ca-path")),
        Arguments.of("key path equals cert path", Map.of("tls-key-path", "/etc/docker/registry/registry.crt"), List.of("tls-key-path")),
        Arguments.of("ca blob to the cert path", Map.of("tls-cert-blob", CERT_B64, "tls-key-blob", KEY_B64, "tls-ca-blob", CERT_B64,
            "tls-ca-path", "/etc/docker/registry/registry.crt"), List.of("tls-ca-path")),
        Arguments.of("ca blob to the key path", Map.of("tls-cert-blob", CERT_B64, "tls-key-blob", KEY_B64, "tls-ca-blob", CERT_B64,
            "tls-ca-path", "/etc/docker/registry/registry.key"), List.of("tls-ca-path")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void invalidCombinationsNameTheOptions(String name, Map<String, Object> overrides, List<String> options) {
    RegistryConfig cfg = RegistryConfig.from(with(overrides));
    assertEquals(options, cfg.problems().stream().map(RegistryConfig.Problem::option).distinct().sorted().toList(), cfg.problems().toString());
    for (RegistryConfig.Problem p : cfg.problems()) {
      for (Object value : overrides.values()) {
        String text = String.valueOf(value);
        assertFalse(text.length() > 3 && p.reason().contains(text), "reason quotes a value: " + p);
      }
    }
  }

  @Test
  void aBasicUserWithASpaceInsideIsFine() {
    assertEquals(List.of(), RegistryConfig.from(with(Map.of("auth-basic-user", "build bot", "auth-basic-password", "pw"))).problems());
  }

  @Test
  void basicAuthPlansAnHtpasswdOutsideTheSpecHash() {
    Plan one = plan(Map.of("auth-basic-user", "alice", "auth-basic-password", "one"));
    Plan two = plan(Map.of("auth-basic-user", "alice", "auth-basic-password", "two"));
    assertEquals(one.container().hash(), two.container().hash(), "a password change does not replace the container");
    assertEquals(new Plan.Credentials(Layout.HTPASSWD, "alice", "two"), two.htpasswd().orElseThrow());
    String config = two.files().get(0).content();
    assertTrue(config.contains("auth:\n  htpasswd:\n    realm: \"docker-registry\"\n    path: \"/etc/docker/registry/auth/htpasswd\"\n"), config);
    assertFalse(config.contains("two"), "no password in config.yml");
    assertTrue(two.container().mounts().contains(new ContainerSpec.Mount(Layout.AUTH_DIR, Layout.AUTH_DIR, true)));
    assertEquals(List.of(new Plan.DirSpec(Layout.AUTH_DIR, "rwx------")), two.directories());
    assertTrue(two.absent().contains(Layout.TOKEN_ROOT_CERTS) && !two.absent().contains(Layout.HTPASSWD), two.absent().toString());
    assertFalse(two.toString().contains("two"), "no password in toString");
  }

  @Test
  void tokenAuthPlansTheBundleInsideTheSpecHash() {
    Plan p = plan(token());
    String config = p.files().get(0).content();
    assertTrue(config.contains("auth:\n  token:\n    realm: \"https://auth.example/token\"\n    service: \"registry.example\"\n"
        + "    issuer: \"auth.example\"\n    rootcertbundle: \"/etc/docker/registry/auth/token-root-certs.pem\"\n"), config);
    Plan.FileSpec bundle = p.files().get(1);
    assertEquals(Layout.TOKEN_ROOT_CERTS, bundle.path());
    assertTrue(bundle.content().startsWith("-----BEGIN CERTIFICATE-----\n") && bundle.content().endsWith("-----END CERTIFICATE-----\n"));
    assertTrue(p.htpasswd().isEmpty());
    assertTrue(p.absent().contains(Layout.HTPASSWD) && !p.absent().contains(Layout.TOKEN_ROOT_CERTS), p.absent().toString());
    Map<String, Object> other = withOne(token(), "auth-token-root-certs", b64(CERT + CERT));
    assertFalse(p.container().hash().equals(plan(other).container().hash()), "a new bundle replaces the container");
  }

  @Test
  void withoutAuthNothingIsMountedAndBothFilesAreAbsent() {
    Plan p = plan(Map.of());
    assertFalse(p.files().get(0).content().contains("auth:"));
    assertTrue(p.absent().containsAll(List.of(Layout.TOKEN_ROOT_CERTS, Layout.HTPASSWD, Layout.TLS_CERT, Layout.TLS_KEY)), p.absent().toString());
    assertTrue(p.container().mounts().stream().noneMatch(m -> m.hostPath().equals(Layout.AUTH_DIR)));
  }

  /** Runs openssl in the directory and returns its output (a PEM key on stdout). */
  private static String openssl(java.nio.file.Path dir, String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", argv));
    return out;
  }

  @Test
  void anEncryptedKeyBlobIsNamedAsSuch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("plain.pem"), KEY);
    String pkcs8 = openssl(dir, "pkcs8", "-topk8", "-v2", "aes256", "-in", "plain.pem", "-passout", "pass:x");
    String generated = openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x");
    String traditional = openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem")
        + openssl(dir, "rsa", "-in", "rsa.pem", "-aes256", "-traditional", "-passout", "pass:x");
    assertTrue(pkcs8.contains("ENCRYPTED PRIVATE KEY") && generated.contains("ENCRYPTED PRIVATE KEY"), pkcs8 + generated);
    assertTrue(traditional.contains("Proc-Type: 4,ENCRYPTED"), traditional);
    for (String key : List.of(pkcs8, generated, traditional)) {
      List<RegistryConfig.Problem> problems = RegistryConfig.from(with(Map.of("tls-cert-blob", CERT_B64, "tls-key-blob", b64(key)))).problems();
      assertEquals(List.of(new RegistryConfig.Problem("tls-key-blob",
          "encrypted private keys are not supported; give the key without a passphrase (openssl pkey -in key.pem -out plain.pem)")), problems);
    }
  }

  private static Plan plan(Map<String, Object> overrides) {
    RegistryConfig cfg = RegistryConfig.from(with(overrides));
    assertEquals(List.of(), cfg.problems());
    return Planner.plan(cfg, "secret", "10.0.0.5", OWNER);
  }

  static Map<String, Object> token() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("auth-token-realm", "https://auth.example/token");
    m.put("auth-token-service", "registry.example");
    m.put("auth-token-issuer", "auth.example");
    m.put("auth-token-root-certs", CERT_B64);
    return m;
  }

  private static Map<String, Object> withOne(Map<String, Object> base, String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(base);
    m.put(key, value);
    return m;
  }

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
