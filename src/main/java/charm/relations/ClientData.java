package charm.relations;

import charm.juju.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every registry unit publishes to clients (containerd) on the {@code docker-registry}
 * relation: each value JSON-encoded as the reactive interface does, so a password such as
 * {@code 12345} stays a string and an absent value is the literal {@code null}.
 */
public final class ClientData {
  private ClientData() {}

  /**
   * @param netloc {@code host:port} clients pull from
   * @param scheme what the registry really serves: {@code http} or {@code https}
   * @param basicUser basic-auth user, or null without basic auth
   * @param basicPassword its password, or null
   * @param caPem the CA that clients must trust for HTTPS, or null over HTTP
   */
  public static Map<String, String> of(String netloc, String scheme, String basicUser, String basicPassword, String caPem) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("registry_netloc", json(netloc));
    data.put("registry_url", json(scheme + "://" + netloc));
    data.put("basic_user", json(basicUser));
    data.put("basic_password", json(basicPassword));
    data.put("tls_ca", json(caPem));
    return data;
  }

  private static String json(String value) {
    return new String(Json.write(value), StandardCharsets.UTF_8);
  }
}
