package charm.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The tls-certificate-names option: comma-separated DNS names for the cert-provider request.
 * Pure; reasons never contain the value.
 *
 * @param names the names in the option's order, without duplicates (case-insensitive); empty
 *     when the option is unset or invalid
 * @param problem why the option is invalid, or null
 */
public record CertificateNames(List<String> names, String problem) {
  static final String INVALID = "must be comma-separated DNS names (letters, digits and '-' in labels separated by '.',"
      + " an optional leading '*.'), not IP addresses";

  public CertificateNames {
    names = List.copyOf(names);
  }

  /** Parses the option's value; blank is "no names". Spaces around each name are ignored. */
  public static CertificateNames parse(String value) {
    if (value == null || value.isBlank()) {
      return new CertificateNames(List.of(), null);
    }
    List<String> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String part : value.split(",", -1)) {
      String name = part.strip();
      if (!isDnsName(name)) {
        return new CertificateNames(List.of(), INVALID);
      }
      if (seen.add(name.toLowerCase(Locale.ROOT))) {
        out.add(name);
      }
    }
    return new CertificateNames(out, null);
  }

  /**
   * Whether one of the names covers the host: equal ignoring case, or a "*.rest" name and a host
   * of one more label ending in ".rest" (as TLS clients match a wildcard).
   */
  public boolean covers(String host) {
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    for (String n : names) {
      String name = n.toLowerCase(Locale.ROOT);
      if (name.equals(h)) {
        return true;
      }
      if (name.startsWith("*.")) {
        String suffix = name.substring(1);
        String label = h.endsWith(suffix) ? h.substring(0, h.length() - suffix.length()) : "";
        if (!label.isEmpty() && label.indexOf('.') < 0) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Labels of letters, digits and '-' (not first or last, at most 63 characters), separated by
   * '.', at most 253 characters, the first label optionally '*', and not all digits and dots (an
   * IPv4 address). No trailing dot: certificates and clients compare names without it.
   */
  static boolean isDnsName(String name) {
    if (name.isEmpty() || name.length() > 253 || name.matches("[0-9.]+")) {
      return false;
    }
    String[] labels = name.split("\\.", -1);
    for (int i = 0; i < labels.length; i++) {
      String label = labels[i];
      if (i == 0 && label.equals("*") && labels.length > 1) {
        continue;
      }
      if (!label.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
        return false;
      }
    }
    return true;
  }
}
