package charm.relations;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code services} value the leader publishes on the {@code website} relation (interface
 * http) for haproxy: one service named after the application, the first unit primary and the
 * others {@code backup}, with server options tuned for failover (below).
 *
 * <p>Differences from the original, on purpose: units are ordered by unit number ({@code /2}
 * before {@code /10}), not as strings; over HTTPS the service is plain TCP (haproxy passes TLS
 * through, so clients keep verifying the registry's certificate and present their own). The check
 * is {@code GET /}, which the registry answers 200 with or without authentication and 503 while its
 * storage fails its health check: over HTTP as is, over HTTPS inside a TLS connection of the check's
 * own ({@code check-ssl verify none}: it proves the registry answers, not who it is). A registry that
 * requires client certificates refuses that connection (haproxy has none to present), so there the
 * check is a TCP connect only: it sees a registry that does not listen, not one that answers 503.
 *
 * <p>Failover is tuned for a dead registry (issue 20), not copied from the original ({@code inter
 * 2000 fall 5}: pulls stopped for 9-12 s): a server is checked every second ({@code inter 1s},
 * also while down: {@code downinter 1s}), four times a second once a check failed ({@code
 * fastinter 250ms}), and is down after two failures ({@code fall 2}), up after two successes
 * ({@code rise 2}). A connection the server refuses or lets time out marks it down at once
 * ({@code observe layer4 error-limit 1 on-error mark-down}), and the request is sent again to
 * another server ({@code option redispatch 1}: on every retry, {@code retries 3}). haproxy waits
 * {@code min(timeout connect, 1 s)} before a retry when there is at most one active server (the
 * primary), so {@code timeout connect 500ms} bounds that pause; a registry on the same network
 * accepts in well under a millisecond. Health-check load: one check per second per server per
 * haproxy unit (the original: one per 2 s).
 */
public final class ProxyServices {
  static final String SERVER_OPTIONS =
      "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096";

  /** Backend options for both modes: what makes a refused connection go to another server at once. */
  static final List<String> FAILOVER_OPTIONS = List.of("option redispatch 1", "retries 3", "timeout connect 500ms");

  private ProxyServices() {}

  /** One registry unit: its Juju name and the address and port haproxy reaches it at. */
  public record Server(String unit, String address, int port) {}

  /** Orders unit names by application, then unit number. */
  public static final Comparator<String> UNIT_ORDER =
      Comparator.comparing((String u) -> u.substring(0, Math.max(0, u.indexOf('/'))))
          .thenComparingLong(ProxyServices::unitNumber);

  /**
   * The YAML text (a list with one service).
   *
   * @param port the service's port (haproxy listens there); each server has its own
   * @param https whether the registry serves HTTPS
   */
  public static String yaml(String application, int port, List<Server> servers, boolean https) {
    return yaml(application, port, servers, https, false);
  }

  /**
   * As {@link #yaml(String, int, List, boolean)}; {@code clientCertificates}: the registry
   * requires client certificates (only with {@code https}), so the check can only connect.
   */
  public static String yaml(String application, int port, List<Server> servers, boolean https, boolean clientCertificates) {
    boolean httpCheck = !(https && clientCertificates);
    List<Server> ordered = new ArrayList<>(servers);
    ordered.sort(Comparator.comparing(Server::unit, UNIT_ORDER));
    StringBuilder y = new StringBuilder();
    y.append("- service_name: ").append(application).append('\n');
    y.append("  service_host: 0.0.0.0\n");
    y.append("  service_port: ").append(port).append('\n');
    y.append("  service_options:\n");
    if (https) {
      y.append("   - mode tcp\n");
      y.append("   - balance leastconn\n");
      if (httpCheck) {
        y.append("   - option httpchk GET / HTTP/1.0\n");
      }
    } else {
      y.append("   - mode http\n");
      y.append("   - balance leastconn\n");
      y.append("   - option httpchk GET / HTTP/1.0\n");
    }
    FAILOVER_OPTIONS.forEach(o -> y.append("   - ").append(o).append('\n'));
    y.append("  servers:\n");
    for (int i = 0; i < ordered.size(); i++) {
      Server s = ordered.get(i);
      y.append("   - [").append(s.unit().replace('/', '-')).append(", ").append(s.address()).append(", ").append(s.port())
          .append(", ").append(SERVER_OPTIONS).append(https && httpCheck ? " check-ssl verify none" : "")
          .append(i == 0 ? "" : " backup").append("]\n");
    }
    return y.toString();
  }

  private static long unitNumber(String unit) {
    try {
      return Long.parseLong(unit.substring(unit.indexOf('/') + 1));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
