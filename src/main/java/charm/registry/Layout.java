package charm.registry;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the charm keeps its files on the unit, and where the container sees them. Everything the
 * charm writes on its own account is config.yml or under one of {@link #OWNED_DIRS}; operator
 * options may name any other path (tls-*-path).
 */
public final class Layout {
  /** The registry configuration, mounted over the image's default. */
  public static final String CONFIG = "/etc/docker/registry/config.yml";
  /** Registry data on the unit; it survives container replacement and charm removal. */
  public static final String DATA_DIR = "/srv/registry";

  /** htpasswd and the token root certificates; mounted read-only as a directory. */
  public static final String AUTH_DIR = "/etc/docker/registry/auth";
  public static final String HTPASSWD = AUTH_DIR + "/htpasswd";
  public static final String TOKEN_ROOT_CERTS = AUTH_DIR + "/token-root-certs.pem";

  /** The TLS material the registry serves with (validated copies); mounted read-only. */
  public static final String TLS_DIR = "/etc/docker/registry/tls";
  public static final String TLS_CERT = TLS_DIR + "/registry.crt";
  public static final String TLS_KEY = TLS_DIR + "/registry.key";
  public static final String TLS_CLIENT_CAS = TLS_DIR + "/client-cas.pem";

  /** The private key and CSR of the cert-provider request; root only, never mounted. */
  public static final String CERT_PROVIDER_DIR = "/etc/docker/registry/cert-provider";
  /** The unit's own CA and client certificate for its local clients; root only, never mounted. */
  public static final String LOCAL_CA_DIR = "/etc/docker/registry/local-ca";

  /** A copy of the local client certificate the nrpe check presents, readable by group nagios. */
  public static final String NRPE_DIR = "/etc/docker/registry/nrpe";

  /**
   * The registry's and the charm's maintenance logs, where COS collectors tail {@code
   * /var/log/**}{@code /*log}: {@code <registry-name>.log} (the container's output, copied by every
   * hook) and {@code maintenance.log}; each rotated to one {@code .1}.
   */
  public static final String LOG_DIR = "/var/log/docker-registry";
  public static final String MAINTENANCE_LOG = LOG_DIR + "/maintenance.log";

  /** The copy of the output of the container named {@code registryName}. */
  public static String registryLog(String registryName) {
    return LOG_DIR + "/" + registryName + ".log";
  }

  static final List<String> OWNED_DIRS = List.of(AUTH_DIR, TLS_DIR, CERT_PROVIDER_DIR, LOCAL_CA_DIR, NRPE_DIR);

  private Layout() {}

  /** Whether {@code path} is config.yml or inside a directory the charm owns. */
  static boolean isCharmOwned(String path) {
    Path p = normalized(path);
    if (p == null) {
      return false;
    }
    if (p.equals(Path.of(CONFIG))) {
      return true;
    }
    return OWNED_DIRS.stream().map(Path::of).anyMatch(dir -> p.equals(dir) || p.startsWith(dir));
  }

  /** An absolute path to a file: starts with /, has a name, no line breaks. */
  static boolean isAbsoluteFile(String path) {
    Path p = normalized(path);
    return p != null && p.isAbsolute() && p.getFileName() != null && !path.endsWith("/")
        && !path.matches("(?s).*\\p{Cntrl}.*");
  }

  private static Path normalized(String path) {
    try {
      return Path.of(path).normalize();
    } catch (InvalidPathException e) {
      return null;
    }
  }
}
