package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link HaproxyConfig} merges and renders, against relation-interfaces.md §3.3–3.4. */
class HaproxyConfigTest {
  /** The byte-exact value the original leader sends for two units (§3.3). */
  static final String TWO_UNITS = "\n"
      + "- service_name: docker-registry\n"
      + "  service_host: 0.0.0.0\n"
      + "  service_port: 5000\n"
      + "  service_options:\n"
      + "   - mode http\n"
      + "   - balance leastconn\n"
      + "   - option httpchk GET / HTTP/1.0\n"
      + "  servers:\n"
      + "   - [docker-registry-0, 10.5.0.10, 5000, check inter 2000 rise 2 fall 5 maxconn 4096 ]\n"
      + "   - [docker-registry-1, 10.5.0.11, 5000, check inter 2000 rise 2 fall 5 maxconn 4096 backup ]\n";

  @Test
  void rendersTheTwoUnitExampleAsTheCharmDoesButForTheBind() {
    List<HaproxyConfig.Service> services = HaproxyConfig.services(List.of(TWO_UNITS));
    assertEquals(1, services.size());
    assertEquals("frontend haproxy-5000\n"
        + "    bind 127.0.0.1:15000\n"
        + "    default_backend docker-registry\n"
        + "    mode http\n"
        + "\n"
        + "backend docker-registry\n"
        + "    mode http\n"
        + "    balance leastconn\n"
        + "    option httpchk GET / HTTP/1.0\n"
        + "    server docker-registry-0 10.5.0.10:5000 check inter 2000 rise 2 fall 5 maxconn 4096\n"
        + "    server docker-registry-1 10.5.0.11:5000 check inter 2000 rise 2 fall 5 maxconn 4096 backup\n",
        HaproxyConfig.render(services.get(0), "127.0.0.1:15000"));
  }

  @Test
  void mergesByServiceNameFirstScalarWinsServersUnioned() {
    // A stale copy from the old leader (§3.2 quirk) next to the new leader's value.
    String stale = "- service_name: docker-registry\n"
        + "  service_host: 0.0.0.0\n"
        + "  service_port: 5000\n"
        + "  service_options: [mode http, balance leastconn]\n"
        + "  servers:\n"
        + "   - [docker-registry-0, 10.5.0.10, 5000, check]\n";
    String fresh = "- service_name: docker-registry\n"
        + "  service_port: 6000\n"
        + "  service_options: [mode tcp]\n"
        + "  servers:\n"
        + "   - [docker-registry-0, 10.5.0.10, 5000, check]\n"
        + "   - [docker-registry-1, 10.5.0.11, 5000, check backup]\n";
    HaproxyConfig.Service s = HaproxyConfig.services(List.of(stale, fresh)).get(0);
    assertEquals("5000", s.port());
    assertEquals(List.of("mode http", "balance leastconn"), s.options());
    assertEquals(List.of("docker-registry-0", "docker-registry-1"), s.servers().stream().map(HaproxyConfig.Server::name).toList());
  }

  @Test
  void splitsStringOptionsOnCommasAndSortsFrontendOptions() {
    String yaml = "- service_name: web\n"
        + "  service_host: 0.0.0.0\n"
        + "  service_port: 80\n"
        + "  service_options: 'balance roundrobin, maxconn 100, option httplog,timeout client 5s,'\n"
        + "  servers: [[web-0, 10.0.0.1, 8080, ['cookie S{i}', check]], [web-1, 10.0.0.2, 8080, 'cookie S{i} check']]\n";
    String text = HaproxyConfig.render(HaproxyConfig.services(List.of(yaml)).get(0), "127.0.0.1:1");
    assertEquals("frontend haproxy-80\n"
        + "    bind 127.0.0.1:1\n"
        + "    default_backend web\n"
        + "    option httplog\n"
        + "    maxconn 100\n"
        + "    timeout client 5s\n"
        + "\n"
        + "backend web\n"
        + "    option httplog\n"
        + "    balance roundrobin\n"
        + "    server web-0 10.0.0.1:8080 cookie S0 check\n"
        + "    server web-1 10.0.0.2:8080 cookie S1 check\n", text);
  }

  @Test
  void refusesWhatIsNotAServicesList() {
    assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.services(List.of("service_name: x\n")));
    assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.services(List.of("- servers: []\n")));
    assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.services(List.of("- service_name: x\n  servers: [[a, b]]\n")));
  }
}
