package charm.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the haproxy charm makes of the {@code services} YAML that units publish on its
 * {@code reverseproxy} endpoint (our {@code website} relation), following
 * shared/juju/relation-interfaces.md §3.4: services merged by {@code service_name} (scalars: the
 * first definition wins; {@code servers}: union without exact duplicates, in order of
 * appearance), then one {@code frontend}/{@code backend} pair per service.
 *
 * <p>Not modelled: units without {@code services} (the charm's "single-service" mode),
 * {@code backends}, error files, certificates, peering between several haproxy units, and the
 * charm's own default service. Its global and defaults sections are approximated by
 * {@link #header}.
 */
final class HaproxyConfig {
  /** Options that go to both sections when an option is a prefix of one (the charm's test, reproduced). */
  static final List<String> BOTH = List.of("mode tcp", "option tcplog", "mode http", "option httplog");

  /** Options that go to the frontend only (an option starting with one of these). */
  static final List<String> FRONTEND_ONLY = List.of(
      "acl", "backlog", "bind", "capture cookie", "capture request header", "capture response header",
      "clitimeout", "default_backend", "http-request", "maxconn", "monitor fail", "monitor-net",
      "monitor-uri", "option accept-invalid-http-request", "option clitcpka", "option contstats",
      "option dontlog-normal", "option dontlognull", "option http-use-proxy-header",
      "option log-separate-errors", "option logasap", "option socket-stats", "option tcp-smart-accept",
      "rate-limit sessions", "redirect", "tcp-request content accept", "tcp-request content reject",
      "tcp-request inspect-delay", "timeout client", "timeout clitimeout", "use_backend");

  /** One server line's parts, as listed in {@code servers}. */
  record Server(String name, String ip, String port, String options) {}

  /** One merged service. */
  record Service(String name, String host, String port, List<String> options, List<Server> servers) {}

  private HaproxyConfig() {}

  /**
   * Parses and merges the {@code services} values of the related units, in relation order
   * (what haproxy iterates), and returns the services in order of first definition.
   */
  static List<Service> services(List<String> servicesYamls) {
    Map<String, Map<String, Object>> merged = new LinkedHashMap<>();
    for (String text : servicesYamls) {
      Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      if (parsed == null) {
        continue;
      }
      if (!(parsed instanceof List<?> list)) {
        throw new IllegalArgumentException("services is not a YAML list: " + text);
      }
      for (Object entry : list) {
        if (!(entry instanceof Map<?, ?> map) || map.get("service_name") == null) {
          throw new IllegalArgumentException("a service without service_name: " + entry);
        }
        Map<String, Object> service = new LinkedHashMap<>();
        map.forEach((k, v) -> service.put(String.valueOf(k), v));
        merged.merge(String.valueOf(map.get("service_name")), service, HaproxyConfig::merge);
      }
    }
    List<Service> services = new ArrayList<>();
    for (Map<String, Object> s : merged.values()) {
      services.add(new Service(
          String.valueOf(s.get("service_name")),
          s.get("service_host") == null ? null : String.valueOf(s.get("service_host")),
          s.get("service_port") == null ? null : String.valueOf(s.get("service_port")),
          options(s.get("service_options")),
          servers(s.get("servers"))));
    }
    return services;
  }

  /** The earlier definition wins for every key but {@code servers}, which are unioned. */
  private static Map<String, Object> merge(Map<String, Object> earlier, Map<String, Object> later) {
    Map<String, Object> result = new LinkedHashMap<>(later);
    result.putAll(earlier);
    if (earlier.get("servers") instanceof List<?> a && later.get("servers") instanceof List<?> b) {
      List<Object> union = new ArrayList<>(a);
      b.stream().filter(s -> !union.contains(s)).forEach(union::add);
      result.put("servers", union);
    }
    return result;
  }

  /** A list as is; a string split on commas (empty parts dropped). */
  private static List<String> options(Object value) {
    List<String> options = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(o -> options.add(String.valueOf(o)));
    } else if (value != null) {
      for (String part : String.valueOf(value).split(",")) {
        if (!part.isBlank()) {
          options.add(part.strip());
        }
      }
    }
    return options;
  }

  private static List<Server> servers(Object value) {
    List<Server> servers = new ArrayList<>();
    if (value == null) {
      return servers;
    }
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException("servers is not a list: " + value);
    }
    for (Object entry : list) {
      if (!(entry instanceof List<?> parts) || parts.size() != 4) {
        throw new IllegalArgumentException("a server is not [name, ip, port, options]: " + entry);
      }
      Object options = parts.get(3);
      String text = options == null ? null
          : options instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList())
          : String.valueOf(options);
      servers.add(new Server(String.valueOf(parts.get(0)), String.valueOf(parts.get(1)), String.valueOf(parts.get(2)), text));
    }
    return servers;
  }

  /**
   * The frontend and backend of one service, as the charm renders them, except that the
   * frontend binds {@code bind} ({@code host:port}) instead of {@code service_host:service_port}.
   * The frontend keeps the charm's name {@code haproxy-<service_port>}.
   */
  static String render(Service service, String bind) {
    List<String> frontend = new ArrayList<>();
    List<String> backend = new ArrayList<>();
    for (String both : BOTH) {
      if (service.options().stream().anyMatch(both::startsWith)) {
        frontend.add(both);
        backend.add(both);
      }
    }
    for (String option : service.options()) {
      String o = option.strip();
      List<String> target = FRONTEND_ONLY.stream().anyMatch(o::startsWith) ? frontend : backend;
      if (!target.contains(option)) {
        target.add(option);
      }
    }
    StringBuilder s = new StringBuilder();
    s.append("frontend haproxy-").append(service.port()).append('\n');
    s.append("    bind ").append(bind).append('\n');
    s.append("    default_backend ").append(service.name()).append('\n');
    frontend.forEach(o -> s.append("    ").append(o.strip()).append('\n'));
    s.append('\n');
    s.append("backend ").append(service.name()).append('\n');
    backend.forEach(o -> s.append("    ").append(o.strip()).append('\n'));
    for (int i = 0; i < service.servers().size(); i++) {
      Server server = service.servers().get(i);
      String line = "    server " + server.name() + " " + server.ip() + ":" + server.port() + (server.options() == null ? "" : " " + server.options());
      s.append(line.replace("{i}", Integer.toString(i))).append('\n');
    }
    return s.toString();
  }

  /**
   * Global and defaults sections close to the charm's (maxconn 4096, retries 3, the same
   * timeouts), with logs on stdout and an admin socket for reading server states and for
   * handing the listeners over on reload.
   */
  static String header(String adminSocket) {
    return "global\n"
        + "    maxconn 4096\n"
        + "    log stdout format raw local0\n"
        + "    stats socket " + adminSocket + " mode 600 level admin expose-fd listeners\n"
        + "\n"
        + "defaults\n"
        + "    log global\n"
        + "    mode http\n"
        + "    option httplog\n"
        + "    option dontlognull\n"
        + "    retries 3\n"
        + "    timeout queue 20000\n"
        + "    timeout client 50000\n"
        + "    timeout connect 5000\n"
        + "    timeout server 50000\n"
        + "\n";
  }
}
