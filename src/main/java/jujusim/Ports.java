package jujusim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** open-port / close-port argument parsing and the opened-ports list (spec §1). */
final class Ports {
  private Ports() {}

  static final Comparator<Model.PortRange> ORDER =
      Comparator.comparing((Model.PortRange p) -> p.protocol)
          .thenComparingInt(p -> p.from)
          .thenComparingInt(p -> p.to);

  /** Parses {@code <port>[/<proto>] | <from>-<to>[/<proto>] | icmp}; throws a usage message. */
  static Model.PortRange parse(String arg) throws Tools.UsageException {
    String a = arg.toLowerCase(Locale.ROOT);
    String portPart = a;
    String proto = "tcp";
    int slash = a.indexOf('/');
    if (slash >= 0) {
      portPart = a.substring(0, slash);
      proto = a.substring(slash + 1);
    } else if (a.equals("icmp")) {
      return new Model.PortRange("icmp", -1, -1);
    }
    if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("icmp")) {
      throw new Tools.UsageException(
          "invalid protocol \"" + proto + "\", expected \"tcp\", \"udp\", or \"icmp\"");
    }
    if (proto.equals("icmp")) {
      throw new Tools.UsageException(
          "protocol \"icmp\" doesn't support any ports; got \"" + portPart + "\"");
    }
    int dash = portPart.indexOf('-');
    String fromText = dash >= 0 ? portPart.substring(0, dash) : portPart;
    String toText = dash >= 0 ? portPart.substring(dash + 1) : portPart;
    int from = port(fromText);
    int to = port(toText);
    if (from > to) {
      throw new Tools.UsageException("invalid port range " + from + "-" + to + "/" + proto);
    }
    if (from < 0 || to > 65535) {
      throw new Tools.UsageException(
          "port range bounds must be between 0 and 65535, got " + from + "-" + to);
    }
    return new Model.PortRange(proto, from, to);
  }

  private static int port(String text) throws Tools.UsageException {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new Tools.UsageException("invalid port \"" + text + "\"");
    }
  }

  static void apply(
      List<Model.PortRange> ports, boolean open, Model.PortRange range, List<String> endpoints) {
    Model.PortRange existing = null;
    for (Model.PortRange p : ports) {
      if (p.protocol.equals(range.protocol) && p.from == range.from && p.to == range.to) {
        existing = p;
      }
    }
    if (open) {
      if (existing == null) {
        Model.PortRange p = new Model.PortRange(range.protocol, range.from, range.to);
        p.endpoints = endpoints == null ? null : new ArrayList<>(new TreeSet<>(endpoints));
        ports.add(p);
      } else if (existing.endpoints != null) {
        if (endpoints == null) {
          existing.endpoints = null;
        } else {
          TreeSet<String> all = new TreeSet<>(existing.endpoints);
          all.addAll(endpoints);
          existing.endpoints = new ArrayList<>(all);
        }
      }
    } else if (existing != null) {
      if (endpoints == null) {
        ports.remove(existing);
      } else if (existing.endpoints != null) {
        existing.endpoints.removeAll(endpoints);
        if (existing.endpoints.isEmpty()) {
          ports.remove(existing);
        }
      }
    }
    ports.sort(ORDER);
  }

  static List<String> list(List<Model.PortRange> ports, boolean withEndpoints) {
    List<Model.PortRange> sorted = new ArrayList<>(ports);
    sorted.sort(ORDER);
    List<String> out = new ArrayList<>();
    for (Model.PortRange p : sorted) {
      String s = p.range();
      if (withEndpoints) {
        s += p.endpoints == null ? " (*)" : " (" + String.join(", ", p.endpoints) + ")";
      }
      out.add(s);
    }
    return out;
  }
}
