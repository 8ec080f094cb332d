package charm.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The charm's options, validated and typed. Pure: built from the map that
 * {@code config-get --format=json} prints.
 *
 * <p>{@link #from} never throws for user input. Invalid values are reported by {@link
 * #problems()} (the charm then blocks with {@link #statusMessage()} and changes nothing); the
 * accessors of an invalid config still answer, but their values must not be applied.
 *
 * <p>Strings inside the nested records use "" for "not set".
 */
public final class RegistryConfig {

  /** One invalid option. {@code reason} is short and never contains the option's value. */
  public record Problem(String option, String reason) {}

  /** Which storage driver the registry uses. */
  public enum StorageBackend {
    FILESYSTEM,
    SWIFT,
    S3
  }

  /** Swift settings; authUrl, username, password and container are set when valid. */
  public record Swift(String authUrl, String username, String password, String container,
      String region, String tenant, String domain) {
    @Override
    public String toString() {
      return "Swift[authUrl=" + authUrl + ", username=" + username + ", password=<redacted>"
          + ", container=" + container + ", region=" + region + ", tenant=" + tenant
          + ", domain=" + domain + "]";
    }
  }

  /**
   * S3 settings: the parameters registry 2.8's s3 driver reads. {@code v4Auth} is always true: see
   * {@link #s3()}. The driver has no forcepathstyle, usedualstack, accelerate or loglevel
   * parameter, so those options are not carried.
   */
  public record S3(String region, String bucket, String accessKey, String secretKey,
      String regionEndpoint, String keyId, String rootDirectory, String userAgent,
      boolean encrypt, boolean secure, boolean skipVerify, boolean v4Auth, long chunkSize,
      long multipartCopyChunkSize, long multipartCopyMaxConcurrency,
      long multipartCopyThresholdSize, String storageClass, String objectAcl) {
    @Override
    public String toString() {
      return "S3[region=" + region + ", bucket=" + bucket + ", regionEndpoint=" + regionEndpoint
          + ", accessKey=" + (accessKey.isEmpty() ? "" : "<redacted>") + ", secretKey=<redacted>]";
    }
  }

  /** Which blob descriptor cache the registry uses (storage-cache). */
  public enum BlobCache {
    INMEMORY,
    REDIS,
    DISABLED
  }

  /** The redis server of the blob descriptor cache; password may be "". */
  public record RedisCache(String address, String password, long db) {
    @Override
    public String toString() {
      return "RedisCache[address=" + address + ", password=<redacted>, db=" + db + "]";
    }
  }

  /** The pull-through cache (registry {@code proxy:} section); username/password may be "". */
  public record PullThroughCache(String remoteUrl, String username, String password) {
    @Override
    public String toString() {
      return "PullThroughCache[remoteUrl=" + remoteUrl + ", username=" + username
          + ", password=<redacted>]";
    }
  }

  /** Raw tls-* option values, interpreted by the TLS code. */
  public record Tls(String certPath, String keyPath, String caPath, String certBlob,
      String keyBlob, String caBlob) {
    @Override
    public String toString() {
      return "Tls[certPath=" + certPath + ", keyPath=" + keyPath + ", caPath=" + caPath
          + ", blobs=<redacted>]";
    }
  }

  /** Raw auth-* option values, interpreted by the auth code. */
  public record Auth(String basicUser, String basicPassword, String tokenIssuer,
      String tokenRealm, String tokenService, String tokenRootCerts) {
    @Override
    public String toString() {
      return "Auth[basicUser=" + basicUser + ", basicPassword=<redacted>, tokenIssuer="
          + tokenIssuer + ", tokenRealm=" + tokenRealm + ", tokenService=" + tokenService + "]";
    }
  }

  /** HTTP basic authentication for one user (htpasswd). */
  public record BasicAuth(String user, String password) {
    @Override
    public String toString() {
      return "BasicAuth[user=" + user + ", password=<redacted>]";
    }
  }

  /** Token authentication; {@code rootCertsPem} is the decoded, re-encoded bundle. */
  public record TokenAuth(String realm, String service, String issuer, String rootCertsPem) {}

  private final List<Problem> problems;
  private final List<Problem> clientProblems;
  private final Values v;

  private RegistryConfig(Values v, List<Problem> problems, List<Problem> clientProblems) {
    this.v = v;
    this.problems = List.copyOf(problems);
    this.clientProblems = List.copyOf(clientProblems);
  }

  /**
   * Reads and validates the options. Missing or null keys take the config.yaml defaults; keys
   * that are not options are ignored.
   *
   * <p>Storage: any of storage-swift-authurl/-username/-password/-region/-tenant/-domain set
   * selects Swift, which then needs authurl, username, password and container (what the 2.8
   * driver requires; region, tenant and domain depend on the Keystone version, tempauth needs
   * none). Any storage-s3-* string set selects S3, which then needs region and bucket. Both
   * selected is a problem rather than the old charm's silent precedence.
   */
  public static RegistryConfig from(Map<String, Object> raw) {
    Values values = new Values(raw);
    // Read every option once so that type problems are recorded before validation.
    for (Options.Option o : Options.ALL) {
      switch (o.type()) {
        case STRING -> values.str(o.name());
        case INT -> values.num(o.name());
        case BOOLEAN -> values.bool(o.name());
      }
    }
    List<Problem> problems = new ArrayList<>(values.problems());
    Validator.validate(values, problems);
    problems.sort(Comparator.comparingInt(p -> Options.order(p.option())));
    List<Problem> clientProblems = new ArrayList<>();
    Validator.clients(values, clientProblems);
    return new RegistryConfig(new Values(raw), problems, clientProblems);
  }

  public List<Problem> problems() {
    return problems;
  }

  /**
   * Problems only while a {@code docker-registry} client (containerd) is related: values the
   * registry takes but the client cannot (a basic-auth password containerd would write unescaped
   * into its TOML config). Then, as for {@link #problems()}, the unit blocks and changes nothing.
   */
  public List<Problem> clientProblems() {
    return clientProblems;
  }

  public boolean isValid() {
    return problems.isEmpty();
  }

  /**
   * The blocked-status message, "" when valid: "Invalid charm config: a, b" (config.yaml order, no
   * duplicates), as the old charm said, followed by the reason when the options share one, which
   * tells the operator what to change: "Invalid charm config: log-level (must be one of error,
   * warn, info, debug)", "Invalid charm config: storage-swift-username, storage-swift-password
   * (required for swift storage)". Options with different reasons are only named (each reason is
   * logged). Reasons never contain values.
   */
  public String statusMessage() {
    return statusMessage(problems);
  }

  /** The blocked-status message for these problems (see {@link #statusMessage()}), "" for none. */
  public static String statusMessage(List<Problem> problems) {
    Map<String, String> firstReason = new LinkedHashMap<>();
    problems.forEach(p -> firstReason.putIfAbsent(p.option(), p.reason()));
    if (firstReason.isEmpty()) {
      return "";
    }
    String options = "Invalid charm config: " + String.join(", ", firstReason.keySet());
    java.util.Set<String> reasons = new java.util.HashSet<>(firstReason.values());
    return reasons.size() == 1 ? options + " (" + reasons.iterator().next() + ")" : options;
  }

  public String registryImage() {
    return v.str("registry-image");
  }

  /** The container name (registry-name). */
  public String registryName() {
    return v.str("registry-name");
  }

  /** Host port published for the registry's port 5000. */
  public int registryPort() {
    return (int) v.num("registry-port");
  }

  /** Host port published for the registry's debug port 5001. */
  public int debugPort() {
    return (int) v.num("debug-port");
  }

  public boolean prometheusMetrics() {
    return v.bool("prometheus-metrics");
  }

  public Optional<String> httpProxy() {
    return optional("registry-http-proxy");
  }

  public Optional<String> httpsProxy() {
    return optional("registry-https-proxy");
  }

  /** The external URL (registry http.host), when set. */
  public Optional<String> httpHost() {
    return optional("http-host");
  }

  /** The retention-policy option's rules (empty when it is unset or invalid: see {@link #problems()}). */
  public charm.content.RetentionPolicy retentionPolicy() {
    return charm.content.RetentionPolicy.parse(v.str("retention-policy")).policy();
  }

  /** The log level in lower case, as the registry reads it (the option accepts any case). */
  public String logLevel() {
    return v.str("log-level").toLowerCase(java.util.Locale.ROOT);
  }

  public StorageBackend storageBackend() {
    if (!v.str("storage-swift-authurl").isEmpty()) {
      return StorageBackend.SWIFT;
    }
    boolean s3 = !v.str("storage-s3-region").isEmpty() && !v.str("storage-s3-bucket").isEmpty();
    return s3 ? StorageBackend.S3 : StorageBackend.FILESYSTEM;
  }

  /** Swift settings, present when {@link #storageBackend()} is SWIFT. */
  public Optional<Swift> swift() {
    if (storageBackend() != StorageBackend.SWIFT) {
      return Optional.empty();
    }
    return Optional.of(new Swift(v.str("storage-swift-authurl"), v.str("storage-swift-username"),
        v.str("storage-swift-password"), v.str("storage-swift-container"),
        v.str("storage-swift-region"), v.str("storage-swift-tenant"),
        v.str("storage-swift-domain")));
  }

  /**
   * S3 settings, present when {@link #storageBackend()} is S3.
   *
   * <p>v4Auth is always true and storage-s3-skip-v4-auth is ignored: the old charm read a
   * misspelled key, so every deployment signed with v4 although the option defaults to true
   * ("skip v4"). Honouring it now would switch every existing S3 deployment to the obsolete v2
   * signing on upgrade, which AWS and most S3 services reject.
   */
  public Optional<S3> s3() {
    if (storageBackend() != StorageBackend.S3) {
      return Optional.empty();
    }
    return Optional.of(new S3(s("region"), s("bucket"), s("accesskey"), s("secretkey"),
        s("regionendpoint"), s("keyid"), s("rootdirectory"), s("useragent"), b("encrypt"),
        b("secure"), b("skip-verify"), true, n("chunksize"), n("multipartcopychunksize"),
        n("multipartcopymaxconcurrency"), n("multipartcopythresholdsize"), s("storageclass"),
        s("objectacl")));
  }

  public boolean storageDelete() {
    return v.bool("storage-delete");
  }

  public boolean storageReadOnly() {
    return v.bool("storage-read-only");
  }

  /** The blob descriptor cache (storage-cache). */
  public BlobCache blobCache() {
    return switch (v.str("storage-cache")) {
      case "redis" -> BlobCache.REDIS;
      case "disabled" -> BlobCache.DISABLED;
      default -> BlobCache.INMEMORY;
    };
  }

  /** The redis server, present when {@link #blobCache()} is REDIS. */
  public Optional<RedisCache> redisCache() {
    if (blobCache() != BlobCache.REDIS) {
      return Optional.empty();
    }
    return Optional.of(new RedisCache(v.str("storage-cache-redis-address"),
        v.str("storage-cache-redis-password"), v.num("storage-cache-redis-db")));
  }

  public boolean storageRedirectDisable() {
    return v.bool("storage-redirect-disable");
  }

  /** The pull-through cache, when cache-remoteurl is set. */
  public Optional<PullThroughCache> pullThroughCache() {
    return optional("cache-remoteurl").map(url ->
        new PullThroughCache(url, v.str("cache-username"), v.str("cache-password")));
  }

  public Tls tls() {
    return new Tls(v.str("tls-cert-path"), v.str("tls-key-path"), v.str("tls-ca-path"),
        v.str("tls-cert-blob"), v.str("tls-key-blob"), v.str("tls-ca-blob"));
  }

  public Auth auth() {
    return new Auth(v.str("auth-basic-user"), v.str("auth-basic-password"),
        v.str("auth-token-issuer"), v.str("auth-token-realm"), v.str("auth-token-service"),
        v.str("auth-token-root-certs"));
  }

  /** nagios_context: names this unit's Nagios host unless nrpe sends one. */
  public String nagiosContext() {
    return v.str("nagios_context");
  }

  /** nagios_servicegroups, "" for none. */
  public String nagiosServiceGroups() {
    return v.str("nagios_servicegroups");
  }

  /**
   * tls-certificate-names: the DNS names the cert-provider request asks for, in the option's
   * order, without duplicates (case-insensitive); empty when unset (or invalid: see {@link
   * #problems()}).
   */
  public List<String> certificateNames() {
    return CertificateNames.parse(v.str("tls-certificate-names")).names();
  }

  /** When the leader runs the maintenance job (maintenance-schedule), if ever. */
  public Optional<MaintenanceSchedule> maintenanceSchedule() {
    return MaintenanceSchedule.parse(v.str("maintenance-schedule"));
  }

  /** Whether HTTPS clients must present a certificate from the known CA (tls-verify-clients). */
  public boolean verifyClients() {
    return v.bool("tls-verify-clients");
  }

  /**
   * The CAs of tls-client-ca-blob (PEM, one per entry), whose client certificates the registry
   * accepts besides the known CA's (Kubernetes nodes' cluster CA); empty when unset or invalid.
   */
  public List<String> clientCaCertificates() {
    String blob = v.str("tls-client-ca-blob");
    return blob.isEmpty() ? List.of() : Pems.caCertificates(blob).orElse(List.of());
  }

  /** Basic auth, when auth-basic-password is set (and the config valid). */
  public Optional<BasicAuth> basicAuth() {
    String password = v.str("auth-basic-password");
    return password.isEmpty() ? Optional.empty() : Optional.of(new BasicAuth(v.str("auth-basic-user"), password));
  }

  /** Token auth, when all four auth-token-* options are set and the bundle parses. */
  public Optional<TokenAuth> tokenAuth() {
    if (Validator.TOKEN_OPTIONS.stream().anyMatch(o -> v.str(o).isEmpty())) {
      return Optional.empty();
    }
    return Pems.certificates(v.str("auth-token-root-certs")).map(certs -> new TokenAuth(
        v.str("auth-token-realm"), v.str("auth-token-service"), v.str("auth-token-issuer"), String.join("", certs)));
  }

  private Optional<String> optional(String option) {
    String value = v.str(option);
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private String s(String s3Option) {
    return v.str("storage-s3-" + s3Option);
  }

  private boolean b(String s3Option) {
    return v.bool("storage-s3-" + s3Option);
  }

  private long n(String s3Option) {
    return v.num("storage-s3-" + s3Option);
  }
}
