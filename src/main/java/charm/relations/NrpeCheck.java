package charm.relations;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Nagios check of a registry unit, for the nrpe subordinate on the same machine
 * ({@code nrpe-external-master}): an NRPE command file, a Nagios service definition that the
 * nrpe charm exports, and the {@code monitors} value charm-helpers publishes.
 *
 * <p>The command checks {@code GET /} on the unit's registry port, which the registry answers
 * 200 whatever its authentication; over HTTPS with {@code -S}, presenting the unit's local client
 * certificate when the registry asks for one. It fails when nothing answers.
 */
public final class NrpeCheck {
  /** The NRPE command name (and Nagios check_nrpe argument). */
  public static final String COMMAND = "check_docker_registry";
  public static final String COMMAND_FILE = "/etc/nagios/nrpe.d/" + COMMAND + ".cfg";
  public static final String EXPORT_DIR = "/var/lib/nagios/export";
  public static final String PLUGIN = "/usr/lib/nagios/plugins/check_http";

  /**
   * The nrpe unit's keys that go into the service definition. Like the options nagios_context and
   * nagios_servicegroups (see {@code Validator}), each must be one Nagios name.
   */
  public static final List<String> REMOTE_KEYS = List.of("nagios_hostname", "nagios_host_context");

  /** One Nagios name: nothing that ends the line, separates words or names a path. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern GROUPS = Pattern.compile("[A-Za-z0-9_.,-]+");
  private static final int SHOWN = 40;

  private static final String HEADER = "#" + "-".repeat(60) + "\n# This file is Juju managed\n#" + "-".repeat(60) + "\n";

  private NrpeCheck() {}

  /**
   * The client certificate files the check presents (readable by the nrpe user), or null.
   *
   * @param cert path of the certificate
   * @param key path of its key
   */
  public record ClientFiles(String cert, String key) {}

  /** {@code /etc/nagios/nrpe.d/check_docker_registry.cfg}. */
  public static String commandFile(int port, boolean https, ClientFiles client) {
    List<String> argv = new ArrayList<>(List.of(PLUGIN, "-I", "127.0.0.1", "-p", String.valueOf(port), "-u", "/", "-t", "10"));
    if (https) {
      argv.add("-S");
      if (client != null) {
        argv.addAll(List.of("-J", client.cert(), "-K", client.key()));
      }
    }
    return HEADER + "command[" + COMMAND + "]=" + String.join(" ", argv) + "\n";
  }

  /** The export file's path for a unit, e.g. {@code service__docker-registry-0_check_docker_registry.cfg}. */
  public static String serviceFile(String unit) {
    return EXPORT_DIR + "/service__" + unit.replace('/', '-') + "_" + COMMAND + ".cfg";
  }

  /**
   * The Nagios service definition.
   *
   * @param hostName the nrpe unit's {@code nagios_hostname}, else {@code <context>-<unit-with-dash>}
   * @param serviceGroups nagios_servicegroups, else the context
   * @throws IllegalArgumentException for a host name or groups that would not be one Nagios value
   *     (a newline would start a definition of its own)
   */
  public static String serviceDefinition(String hostName, String application, String serviceGroups) {
    if (!NAME.matcher(hostName).matches() || !GROUPS.matcher(serviceGroups).matches()) {
      throw new IllegalArgumentException("not a Nagios host name and service groups: " + shown(hostName) + " " + shown(serviceGroups));
    }
    return HEADER
        + "define service {\n"
        + "    use                             active-service\n"
        + "    host_name                       " + hostName + "\n"
        + "    service_description             Verify " + application + " is responding\n"
        + "    check_command                   check_nrpe!" + COMMAND + "\n"
        + "    servicegroups                   " + serviceGroups + "\n"
        + "}\n";
  }

  /** The {@link #REMOTE_KEYS} the nrpe unit sent that are not one Nagios name (absent or empty is fine). */
  public static List<String> refusedRemote(Map<String, String> remote) {
    return REMOTE_KEYS.stream().filter(k -> {
      String value = remote.get(k);
      return value != null && !value.isEmpty() && !NAME.matcher(value).matches();
    }).toList();
  }

  /** A remote value fit for a log line: quoted, control characters escaped, at most 40 characters. */
  public static String shown(String value) {
    StringBuilder out = new StringBuilder("\"");
    value.codePoints().limit(SHOWN).forEach(c -> {
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '"' || c == '\\') {
        out.append('\\').appendCodePoint(c);
      } else if (c < 0x20 || c == 0x7f || !Character.isDefined(c) || Character.getType(c) == Character.FORMAT) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    out.append('"');
    long length = value.codePointCount(0, value.length());
    return length > SHOWN ? out + " (" + length + " characters)" : out.toString();
  }

  /** The {@code monitors} value, as charm-helpers' NRPE helper writes it. */
  public static String monitors() {
    return "monitors:\n  remote:\n    nrpe:\n      docker_registry:\n        command: " + COMMAND + "\n";
  }
}
