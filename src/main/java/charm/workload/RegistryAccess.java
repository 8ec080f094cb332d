package charm.workload;

import charm.registry.RegistryConfig;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How the charm's actions reach the unit's own registry over its HTTP API.
 *
 * @param baseUrl {@code http://127.0.0.1:<registry-port>} or {@code https://...}: the unit talks to
 *     its registry locally, whatever address clients use
 * @param ssl over HTTPS, trusts exactly the served certificate and presents the unit's local client
 *     certificate when the registry verifies clients; null over HTTP
 * @param basic the basic-auth user and password, when configured
 * @param tokenAuth whether the registry takes tokens from an external issuer (the charm has none)
 * @param netloc the {@code host:port} clients use (http-host's, the proxy's or the unit's)
 */
public record RegistryAccess(String baseUrl, SSLContext ssl, Optional<RegistryConfig.BasicAuth> basic, boolean tokenAuth, String netloc) {

  @Override
  public String toString() {
    return "RegistryAccess[" + baseUrl + ", netloc=" + netloc + ", basic=" + basic.map(RegistryConfig.BasicAuth::user).orElse("none")
        + ", tokenAuth=" + tokenAuth + "]";
  }
}
