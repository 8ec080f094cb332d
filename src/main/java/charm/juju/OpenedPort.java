package charm.juju;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One single-port entry of {@code opened-ports}, such as {@code 5000/tcp}. */
public record OpenedPort(int port, String protocol) {
  private static final Pattern SINGLE = Pattern.compile("([0-9]{1,5})/(tcp|udp)");

  /** The entry as a single port; empty for ranges and icmp, which this charm never opens. */
  public static Optional<OpenedPort> parse(String entry) {
    Matcher m = SINGLE.matcher(entry.strip());
    return m.matches() ? Optional.of(new OpenedPort(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
  }
}
