package charm.relations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class RelationDataTest {
  @Test
  void servicesListTheUnitsByNumberWithThePrimaryFirst() {
    String yaml = ProxyServices.yaml("docker-registry", 5000, List.of(
        new ProxyServices.Server("docker-registry/10", "10.5.0.20", 5000),
        new ProxyServices.Server("docker-registry/2", "10.5.0.12", 5000),
        new ProxyServices.Server("docker-registry/1", "10.5.0.11", 5000)), false);
    List<Map<String, Object>> services = new Yaml().load(yaml);
    assertEquals(1, services.size());
    Map<String, Object> s = services.get(0);
    assertEquals("docker-registry", s.get("service_name"));
    assertEquals("0.0.0.0", s.get("service_host"));
    assertEquals(5000, s.get("service_port"));
    assertEquals(List.of("mode http", "balance leastconn", "option httpchk GET / HTTP/1.0", "option redispatch 1", "retries 3", "timeout connect 500ms"),
        s.get("service_options"));
    assertEquals(List.of(
        List.of("docker-registry-1", "10.5.0.11", 5000, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096"),
        List.of("docker-registry-2", "10.5.0.12", 5000, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 backup"),
        List.of("docker-registry-10", "10.5.0.20", 5000, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 backup")), s.get("servers"));
  }

  @Test
  void overHttpsTheCheckIsAnHttpRequestInItsOwnTlsConnection() {
    String yaml = ProxyServices.yaml("reg", 443, List.of(new ProxyServices.Server("reg/0", "10.0.0.1", 443),
        new ProxyServices.Server("reg/1", "10.0.0.2", 443)), true, false);
    Map<String, Object> s = new Yaml().<List<Map<String, Object>>>load(yaml).get(0);
    assertEquals(List.of("mode tcp", "balance leastconn", "option httpchk GET / HTTP/1.0", "option redispatch 1", "retries 3", "timeout connect 500ms"),
        s.get("service_options"));
    assertEquals(List.of(
        List.of("reg-0", "10.0.0.1", 443, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 check-ssl verify none"),
        List.of("reg-1", "10.0.0.2", 443, "check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 check-ssl verify none backup")), s.get("servers"));
  }

  @Test
  void overHttpsWithClientCertificatesTheCheckOnlyConnects() {
    String yaml = ProxyServices.yaml("reg", 443, List.of(new ProxyServices.Server("reg/0", "10.0.0.1", 443)), true, true);
    Map<String, Object> s = new Yaml().<List<Map<String, Object>>>load(yaml).get(0);
    assertEquals(List.of("mode tcp", "balance leastconn", "option redispatch 1", "retries 3", "timeout connect 500ms"), s.get("service_options"));
    assertFalse(yaml.contains("httpchk") || yaml.contains("check-ssl"), "haproxy has no client certificate to present: " + yaml);
  }

  @Test
  void clientDataIsJsonEncodedWithNullForWhatIsAbsent() {
    Map<String, String> plain = ClientData.of("10.0.0.5:5000", "http", null, null, null);
    assertEquals(Map.of("registry_netloc", "\"10.0.0.5:5000\"", "registry_url", "\"http://10.0.0.5:5000\"",
        "basic_user", "null", "basic_password", "null", "tls_ca", "null"), plain);
    Map<String, String> secure = ClientData.of("r.example:443", "https", "admin", "12345", "-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n");
    assertEquals("\"12345\"", secure.get("basic_password"), "a numeric password stays a string");
    assertEquals("\"-----BEGIN CERTIFICATE-----\\nAB\\n-----END CERTIFICATE-----\\n\"", secure.get("tls_ca"));
    assertEquals("\"https://r.example:443\"", secure.get("registry_url"));
  }

  @Test
  void theNrpeCommandChecksTheRightSchemeAndPresentsTheClientCertificate() {
    String http = NrpeCheck.commandFile(5000, false, null);
    assertTrue(http.endsWith("command[check_docker_registry]=/usr/lib/nagios/plugins/check_http -I 127.0.0.1 -p 5000 -u / -t 10\n"), http);
    String https = NrpeCheck.commandFile(5443, true, new NrpeCheck.ClientFiles("/c.crt", "/c.key"));
    assertTrue(https.endsWith("-p 5443 -u / -t 10 -S -J /c.crt -K /c.key\n"), https);
    assertTrue(http.startsWith("#---"), "Juju-managed header");
    assertEquals("/var/lib/nagios/export/service__docker-registry-0_check_docker_registry.cfg", NrpeCheck.serviceFile("docker-registry/0"));
    String service = NrpeCheck.serviceDefinition("juju-docker-registry-0", "docker-registry", "juju");
    assertTrue(service.contains("check_command                   check_nrpe!check_docker_registry\n"), service);
    Map<String, Object> monitors = new Yaml().load(NrpeCheck.monitors());
    assertEquals(Map.of("remote", Map.of("nrpe", Map.of("docker_registry", Map.of("command", "check_docker_registry")))), monitors.get("monitors"));
  }

  /** What the nrpe unit sends could otherwise add objects (a command run by Nagios) to the export. */
  static final String DEFINE_COMMAND = "juju-docker-registry-0\ndefine command {\n    command_name pwn\n    command_line /bin/sh -c id\n}";

  @Test
  void theServiceDefinitionRefusesAHostOrGroupThatIsNotOneNagiosName() {
    for (String host : List.of(DEFINE_COMMAND, "juju docker-registry-0", "../../../tmp/x", "")) {
      assertThrows(IllegalArgumentException.class, () -> NrpeCheck.serviceDefinition(host, "docker-registry", "juju"), host);
    }
    for (String groups : List.of("../../../tmp/x", "juju\n}\ndefine command {", "juju ops")) {
      assertThrows(IllegalArgumentException.class, () -> NrpeCheck.serviceDefinition("juju-docker-registry-0", "docker-registry", groups), groups);
    }
    String service = NrpeCheck.serviceDefinition("host.example_1-a", "docker-registry", "juju,ops.team_1-a");
    assertTrue(service.contains("servicegroups                   juju,ops.team_1-a\n"), service);
  }

  @Test
  void theNrpeUnitsHostNameAndContextMustBeOneNagiosName() {
    assertEquals(List.of(), NrpeCheck.refusedRemote(Map.of("nagios_hostname", "juju-docker-registry-0", "nagios_host_context", "juju")));
    assertEquals(List.of(), NrpeCheck.refusedRemote(Map.of("nagios_hostname", "", "private-address", "10.0.0.1 ")), "absent or empty: the defaults");
    assertEquals(List.of("nagios_hostname"), NrpeCheck.refusedRemote(Map.of("nagios_hostname", DEFINE_COMMAND, "nagios_host_context", "juju")));
    assertEquals(List.of("nagios_host_context"), NrpeCheck.refusedRemote(Map.of("nagios_host_context", "../../../tmp/x")));
    assertEquals(List.of("nagios_hostname", "nagios_host_context"),
        NrpeCheck.refusedRemote(Map.of("nagios_hostname", "juju docker-registry-0", "nagios_host_context", "ju ju")));
    assertEquals(List.of("nagios_hostname"), NrpeCheck.refusedRemote(Map.of("nagios_hostname", "juju-0\r")));
  }

  @Test
  void aRefusedValueIsLoggedOnOneLineAndShort() {
    assertEquals("\"a\\nb\\u0007\\\"\"", NrpeCheck.shown("a\nb\u0007\""));
    String shown = NrpeCheck.shown(DEFINE_COMMAND + "x".repeat(10_000));
    assertEquals("\"juju-docker-registry-0\\ndefine command {\\n\" (" + (DEFINE_COMMAND.length() + 10_000) + " characters)", shown,
        "the first 40 characters, on one line");
  }
}
