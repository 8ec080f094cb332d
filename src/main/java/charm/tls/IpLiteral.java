package charm.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.bouncycastle.util.IPAddress;

/**
 * IP address literals without name resolution: {@link InetAddress#getByName} would look up
 * anything it cannot parse, so only text already known to be a literal reaches it.
 */
final class IpLiteral {
  private IpLiteral() {}

  /** The 4 or 16 address bytes of a v4 dotted quad or a v6 literal (brackets allowed), or null. */
  static byte[] parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    byte[] v4 = parseV4(s);
    if (v4 != null) {
      return v4;
    }
    if (!IPAddress.isValidIPv6(s)) {
      return null;
    }
    try {
      byte[] bytes = InetAddress.getByName(s).getAddress();
      // The JDK turns ::ffff:a.b.c.d into the v4 address; a certificate keeps all 16 bytes.
      return bytes.length == 16 ? bytes : mapped(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  static boolean is(String text) {
    return parse(text) != null;
  }

  private static byte[] parseV4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  private static byte[] mapped(byte[] v4) {
    byte[] out = new byte[16];
    out[10] = (byte) 0xff;
    out[11] = (byte) 0xff;
    System.arraycopy(v4, 0, out, 12, 4);
    return out;
  }

  private static boolean isMapped(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }

  /** Dotted quad, or the RFC 5952 form of a v6 address (lower case, longest zero run as ::,
   * a v4-mapped address as ::ffff:a.b.c.d). */
  static String format(byte[] address) {
    if (address.length == 4) {
      return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
    }
    if (address.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
    }
    if (isMapped(address)) {
      return "::ffff:" + format(java.util.Arrays.copyOfRange(address, 12, 16));
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // a single zero group is not compressed
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }
}
