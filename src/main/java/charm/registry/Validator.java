package charm.registry;

import charm.registry.RegistryConfig.Problem;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks option values against what the charm and registry 2.8 accept. Every rule here
 * corresponds to a value that would otherwise produce a broken container or a registry that
 * refuses to start (each s3 bound below was confirmed against the 2.8.2 binary). Reasons name
 * the rule, never the value.
 */
final class Validator {
  static final long MIB_5 = 5L << 20; // s3 driver minimum part size
  static final long GIB_5 = 5L << 30; // s3 driver maximum part size

  static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug");
  static final Set<String> CACHES = Set.of("inmemory", "redis", "disabled");
  /** The registry runs in a bridge-networked container: a loopback address is the container. */
  static final String LOOPBACK =
      "must not be a loopback address: the registry runs in a container, where that is the container itself";
  static final Set<String> S3_STORAGE_CLASSES = Set.of("STANDARD", "REDUCED_REDUNDANCY", "NONE");
  // registry 2.8.2 rejects "log-delivery-write" (a bucket-only canned ACL).
  static final Set<String> S3_OBJECT_ACLS =
      Set.of("private", "public-read", "public-read-write", "authenticated-read",
          "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control");
  // Without a regionendpoint, registry 2.8.2 only starts with a region of its AWS SDK's
  // partitions; this is exactly the set the 2.8.2 binary accepted when probed.
  static final Set<String> S3_AWS_REGIONS =
      Set.of("af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
          "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ca-central-1",
          "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-north-1", "eu-south-1",
          "eu-west-1", "eu-west-2", "eu-west-3", "me-central-1", "me-south-1", "sa-east-1",
          "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1",
          "us-iso-west-1", "us-isob-east-1", "us-west-1", "us-west-2");

  private static final List<String> SWIFT_TRIGGERS =
      List.of("storage-swift-authurl", "storage-swift-username", "storage-swift-password",
          "storage-swift-region", "storage-swift-tenant", "storage-swift-domain");
  private static final List<String> SWIFT_REQUIRED =
      List.of("storage-swift-authurl", "storage-swift-username", "storage-swift-password",
          "storage-swift-container");
  private static final List<String> S3_TRIGGERS =
      List.of("storage-s3-region", "storage-s3-bucket", "storage-s3-accesskey",
          "storage-s3-secretkey", "storage-s3-regionendpoint", "storage-s3-keyid",
          "storage-s3-rootdirectory", "storage-s3-useragent");
  private static final List<String> S3_REQUIRED = List.of("storage-s3-region", "storage-s3-bucket");

  private final Values v;
  private final List<Problem> out;

  private Validator(Values v, List<Problem> out) {
    this.v = v;
    this.out = out;
  }

  static void validate(Values values, List<Problem> out) {
    Validator c = new Validator(values, out);
    c.container();
    c.http();
    c.pullThroughCache();
    c.storage();
    c.s3Values();
    c.redis();
    c.auth();
    c.tls();
    c.nagios();
    c.maintenance();
    c.retention();
    c.certificateNames();
  }

  /** daily HH:MM or weekly DAY HH:MM, UTC; "" is off (see {@link MaintenanceSchedule}). */
  private void maintenance() {
    String problem = MaintenanceSchedule.problem(v.str("maintenance-schedule"));
    check("maintenance-schedule", problem == null, problem);
  }

  /** The rules must read as a policy; the reason says which rule and why. */
  private void retention() {
    String problem = charm.content.RetentionPolicy.parse(v.str("retention-policy")).problem();
    if (problem != null) {
      problem("retention-policy", problem);
    }
  }

  /**
   * DNS names only; when set, clients must be told one of them (http-host's host), since the
   * certificate requested names nothing else (see {@link CertificateNames}).
   */
  private void certificateNames() {
    CertificateNames names = CertificateNames.parse(v.str("tls-certificate-names"));
    if (names.problem() != null) {
      problem("tls-certificate-names", names.problem());
      return;
    }
    if (names.names().isEmpty()) {
      return;
    }
    String host = Syntax.httpUrl(v.str("http-host")).map(URI::getHost).orElse("");
    if (!names.covers(host)) {
      String reason = "with tls-certificate-names, http-host must be set to a URL whose host is one of those names";
      problem("http-host", reason);
      problem("tls-certificate-names", reason);
    }
  }

  /** Both go verbatim into a Nagios object definition: one line, no spaces in the context. */
  private void nagios() {
    check("nagios_context", v.str("nagios_context").matches("[A-Za-z0-9_.-]+"),
        "must be letters, digits, '.', '_' or '-'");
    check("nagios_servicegroups", v.str("nagios_servicegroups").matches("[A-Za-z0-9_.,-]*"),
        "must be a comma-separated list of group names");
  }

  private void container() {
    String image = v.str("registry-image");
    check("registry-image", !image.isEmpty(), "must not be empty");
    check("registry-image", image.isEmpty() || Syntax.isImageReference(image),
        "must be an image reference like registry:2 or host:port/name:tag");
    check("registry-name", Syntax.isContainerName(v.str("registry-name")),
        "must be a container name: [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    long registryPort = v.num("registry-port");
    long debugPort = v.num("debug-port");
    check("debug-port", isPort(debugPort), "must be a port number 1-65535");
    check("registry-port", isPort(registryPort), "must be a port number 1-65535");
    if (registryPort == debugPort) {
      problem("debug-port", "must differ from registry-port");
      problem("registry-port", "must differ from debug-port");
    }
    proxyOrUnset("registry-http-proxy");
    proxyOrUnset("registry-https-proxy");
  }

  private void http() {
    // The registry lower-cases the level before checking it (configuration.Loglevel).
    check("log-level", LOG_LEVELS.contains(v.str("log-level").toLowerCase(Locale.ROOT)),
        "must be one of error, warn, info, debug");
    String host = v.str("http-host");
    if (!host.isEmpty()) {
      var url = Syntax.httpUrl(host).filter(u -> u.getRawUserInfo() == null);
      check("http-host", url.isPresent(), "must be an http:// or https:// URL with a host");
      String path = url.map(URI::getRawPath).orElse("");
      check("http-host", path.isEmpty() || path.endsWith("/"), "a path must end with /");
    }
  }

  private void pullThroughCache() {
    boolean url = !httpUrlOrUnset("cache-remoteurl");
    boolean user = !v.str("cache-username").isEmpty();
    boolean password = !v.str("cache-password").isEmpty();
    check("cache-remoteurl", url || !(user || password),
        "required when cache-username or cache-password is set");
    notLoopback("cache-remoteurl");
    check("cache-username", user || !password, "required when cache-password is set");
    check("cache-password", password || !user, "required when cache-username is set");
  }

  private void storage() {
    check("storage-cache", CACHES.contains(v.str("storage-cache")),
        "must be inmemory, redis or disabled");
    boolean swift = SWIFT_TRIGGERS.stream().anyMatch(this::isSet);
    boolean s3 = S3_TRIGGERS.stream().anyMatch(this::isSet);
    if (swift && s3) {
      String reason = "swift and s3 storage are both configured; configure only one";
      Stream.of("storage-swift-authurl", "storage-s3-region", "storage-s3-bucket")
          .forEach(o -> problem(o, reason));
      return;
    }
    if (swift) {
      SWIFT_REQUIRED.forEach(o -> check(o, isSet(o), "required for swift storage"));
      String authUrl = v.str("storage-swift-authurl");
      check("storage-swift-authurl", authUrl.isEmpty() || Syntax.isHttpUrl(authUrl),
          "must be an http:// or https:// URL");
      notLoopback("storage-swift-authurl");
    }
    if (s3) {
      S3_REQUIRED.forEach(o -> check(o, isSet(o), "required for s3 storage"));
    }
  }

  private void s3Values() {
    range("storage-s3-chunksize", MIB_5, GIB_5);
    range("storage-s3-multipartcopychunksize", MIB_5, GIB_5);
    range("storage-s3-multipartcopymaxconcurrency", 1, Long.MAX_VALUE);
    range("storage-s3-multipartcopythresholdsize", 0, GIB_5);
    // The 2.8 driver upper-cases the class before checking it (lower case works for real).
    check("storage-s3-storageclass",
        S3_STORAGE_CLASSES.contains(v.str("storage-s3-storageclass").toUpperCase(Locale.ROOT)),
        "must be one of NONE, REDUCED_REDUNDANCY, STANDARD");
    oneOf("storage-s3-objectacl", S3_OBJECT_ACLS);
    // storage-s3-loglevel, -usedualstack, -accelerate and -forcepathstyle are not checked: registry
    // 2.8 has no such parameters, so no value of theirs can break it (nor is any written).
    String endpointValue = v.str("storage-s3-regionendpoint");
    boolean endpoint = !endpointValue.isEmpty();
    check("storage-s3-regionendpoint", !endpoint || Syntax.isS3Endpoint(endpointValue),
        "must be an http:// or https:// URL or a host[:port]");
    notLoopback("storage-s3-regionendpoint");
    String region = v.str("storage-s3-region");
    check("storage-s3-region", region.isEmpty() || endpoint || S3_AWS_REGIONS.contains(region),
        "unknown AWS region; set storage-s3-regionendpoint for other S3 services");
    check("storage-s3-region", !region.matches("(?s).*\\s.*"), "must not contain spaces");
  }

  /**
   * storage-cache=redis needs the server's host:port. Registry 2.8 shows its whole redis section,
   * password included, on the debug server's /debug/vars (expvar), which prometheus-metrics
   * publishes on debug-port: the two cannot be combined while a password is set.
   */
  private void redis() {
    if (!v.str("storage-cache").equals("redis")) {
      return;
    }
    String address = v.str("storage-cache-redis-address");
    check("storage-cache-redis-address", !address.isEmpty(), "required when storage-cache is redis");
    check("storage-cache-redis-address", address.isEmpty() || Syntax.isHostAndPort(address),
        "must be host:port (an IPv6 address in brackets)");
    notLoopback("storage-cache-redis-address");
    String password = v.str("storage-cache-redis-password");
    check("storage-cache-redis-password", !password.matches("(?s).*\\p{Cntrl}.*"),
        "must not contain control characters");
    range("storage-cache-redis-db", 0, Integer.MAX_VALUE);
    if (!password.isEmpty() && v.bool("prometheus-metrics")) {
      String reason = "registry 2.8 shows the redis password on debug-port's /debug/vars;"
          + " unset prometheus-metrics or use a redis without a password";
      problem("prometheus-metrics", reason);
      problem("storage-cache-redis-password", reason);
    }
  }

  /** An address option must not name the loopback (see {@link #LOOPBACK}). */
  private void notLoopback(String option) {
    String value = v.str(option);
    check(option, Syntax.host(value).map(h -> !Syntax.isLoopback(h)).orElse(true), LOOPBACK);
  }

  static final List<String> TOKEN_OPTIONS =
      List.of("auth-token-realm", "auth-token-service", "auth-token-issuer", "auth-token-root-certs");

  /**
   * Basic auth is on when auth-basic-password is set (auth-basic-user defaults to admin); token
   * auth when any auth-token-* is set, and then needs all four. The registry takes one access
   * controller, so both at once is a problem.
   */
  private void auth() {
    boolean basic = isSet("auth-basic-password");
    String user = v.str("auth-basic-user");
    if (basic) {
      check("auth-basic-user", !user.isEmpty(), "required when auth-basic-password is set");
      // The registry's htpasswd reader trims each line, skips those starting with '#' and splits
      // at the first ':'; a space inside the name is fine (the previous charm passed such names).
      check("auth-basic-user", !user.matches("(?s).*[:\\p{Cntrl}].*") && !user.startsWith("#")
              && user.strip().equals(user),
          "must not contain ':' or control characters, begin with '#', or begin or end with a space");
    }
    check("auth-basic-password", !v.str("auth-basic-password").matches("(?s).*[\\r\\n].*"),
        "must be a single line");
    // bcrypt uses the first 72 bytes only: a longer password would be weaker than it looks.
    check("auth-basic-password", v.str("auth-basic-password").getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 72,
        "must be at most 72 bytes (bcrypt ignores the rest)");
    boolean token = TOKEN_OPTIONS.stream().anyMatch(this::isSet);
    if (token) {
      TOKEN_OPTIONS.forEach(o -> check(o, isSet(o), "required for token authentication"));
      httpUrlOrUnset("auth-token-realm");
      check("auth-token-service", !v.str("auth-token-service").matches("(?s).*\\p{Cntrl}.*"),
          "must not contain control characters");
      check("auth-token-issuer", !v.str("auth-token-issuer").matches("(?s).*\\p{Cntrl}.*"),
          "must not contain control characters");
      String certs = v.str("auth-token-root-certs");
      check("auth-token-root-certs", certs.isEmpty() || Pems.certificates(certs).isPresent(),
          "must be base64 of a PEM bundle of X.509 certificates");
    }
    if (basic && token) {
      String reason = "basic and token authentication cannot be combined; unset one";
      problem("auth-basic-password", reason);
      problem("auth-token-realm", reason);
    }
  }

  /**
   * What containerd, the docker-registry client, cannot take. It renders basic_user and
   * basic_password into its config.toml as TOML basic strings ({@code username = "..."},
   * charm-containerd's templates/config_v2.toml) without escaping: a '"' ends the string, a '\'
   * starts an escape, and TOML forbids control characters other than tab in them (U+0000-U+0008,
   * U+000A-U+001F, U+007F), so every node's containerd config would be invalid (or, for a valid
   * escape such as "\t", hold another password). The registry itself takes them.
   */
  static void clients(Values v, List<Problem> out) {
    if (v.str("auth-basic-password").isEmpty()) {
      return; // nothing is published
    }
    for (String option : List.of("auth-basic-user", "auth-basic-password")) {
      if (v.str(option).matches("(?s).*[\"\\\\\\x00-\\x08\\x0A-\\x1F\\x7F].*")) {
        out.add(new Problem(option, CONTAINERD_UNSAFE));
      }
    }
  }

  static final String CONTAINERD_UNSAFE = "must not contain '\"', '\\' or control characters while a docker-registry client is related:"
      + " containerd writes it unescaped into its TOML config";

  /** Blobs are base64 of PEM; paths are absolute and never one of the charm's own files. */
  private void tls() {
    check("tls-cert-blob", isSet("tls-cert-blob") || !isSet("tls-key-blob"), "required when tls-key-blob is set");
    check("tls-key-blob", isSet("tls-key-blob") || !isSet("tls-cert-blob"), "required when tls-cert-blob is set");
    String cert = v.str("tls-cert-blob");
    check("tls-cert-blob", cert.isEmpty() || Pems.certificates(cert).isPresent(),
        "must be base64 of a PEM certificate");
    String key = v.str("tls-key-blob");
    if (!key.isEmpty() && Pems.hasEncryptedPrivateKey(key)) {
      problem("tls-key-blob", Pems.ENCRYPTED_KEY);
    } else {
      check("tls-key-blob", key.isEmpty() || Pems.hasPrivateKey(key), "must be base64 of a PEM private key");
    }
    String ca = v.str("tls-ca-blob");
    check("tls-ca-blob", ca.isEmpty() || Pems.certificates(ca).isPresent(), "must be base64 of a PEM certificate");
    for (String option : List.of("tls-cert-path", "tls-key-path", "tls-ca-path")) {
      String path = v.str(option);
      check(option, Layout.isAbsoluteFile(path), "must be an absolute file path");
      check(option, !Layout.isCharmOwned(path), "must not be a file the charm manages itself");
    }
    check("tls-key-path", !v.str("tls-key-path").equals(v.str("tls-cert-path")), "must differ from tls-cert-path");
    String clientCas = v.str("tls-client-ca-blob");
    check("tls-client-ca-blob", clientCas.isEmpty() || Pems.caCertificates(clientCas).isPresent(),
        "must be base64 of one or more PEM CA certificates (basic constraints CA:TRUE)");
    if (isSet("tls-ca-blob")) {
      // Each blob is its own file, which goes when its option is unset.
      check("tls-ca-path", !v.str("tls-ca-path").equals(v.str("tls-cert-path")) && !v.str("tls-ca-path").equals(v.str("tls-key-path")),
          "must differ from tls-cert-path and tls-key-path when tls-ca-blob is set");
    }
  }

  /** Checks an optional proxy option (see {@link Syntax#isProxy}). */
  private void proxyOrUnset(String option) {
    String value = v.str(option);
    check(option, value.isEmpty() || Syntax.isProxy(value),
        "must be an http://, https:// or socks5:// URL or a host:port, without spaces");
  }

  /** Checks an optional URL option; returns true when it is unset. */
  private boolean httpUrlOrUnset(String option) {
    String value = v.str(option);
    check(option, value.isEmpty() || Syntax.isHttpUrl(value), "must be an http:// or https:// URL");
    return value.isEmpty();
  }

  private void range(String option, long min, long max) {
    long value = v.num(option);
    String reason = max == Long.MAX_VALUE ? "must be at least " + min
        : "must be between " + min + " and " + max;
    check(option, value >= min && value <= max, reason);
  }

  private void oneOf(String option, Set<String> allowed) {
    check(option, allowed.contains(v.str(option)),
        "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
  }

  private boolean isSet(String option) {
    return !v.str(option).isEmpty();
  }

  private static boolean isPort(long port) {
    return port >= 1 && port <= 65535;
  }

  private void check(String option, boolean ok, String reason) {
    if (!ok) {
      problem(option, reason);
    }
  }

  private void problem(String option, String reason) {
    out.add(new Problem(option, reason));
  }
}
