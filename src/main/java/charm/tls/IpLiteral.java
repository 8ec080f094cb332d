package charm.tls;

import java.util.Arrays;

/**
 * IP address literals, parsed here: {@code InetAddress.getByName} looks up what it cannot parse
 * and reads "10.1" as 10.0.0.1.
 */
final class IpLiteral {
  private IpLiteral() {}

  /** The 4 or 16 address bytes of a v4 dotted quad or a v6 literal (brackets allowed), or null. */
  static byte[] parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    byte[] v4 = parseV4(s);
    return v4 != null ? v4 : parseV6(s);
  }

  /** RFC 4291 2.2 text: eight groups, one "::" for a run of zero groups, a dotted quad at the end. */
  private static byte[] parseV6(String s) {
    if (s.indexOf(':') < 0) {
      return null;
    }
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap < 0 ? s : s.substring(0, gap);
    String tail = gap < 0 ? "" : s.substring(gap + 2);
    byte[] headBytes = groups(head, gap < 0);
    byte[] tailBytes = groups(tail, true);
    if (headBytes == null || tailBytes == null) {
      return null;
    }
    int used = headBytes.length + tailBytes.length;
    if (gap < 0 ? used != 16 : used > 14) {
      return null;
    }
    byte[] out = new byte[16];
    System.arraycopy(headBytes, 0, out, 0, headBytes.length);
    System.arraycopy(tailBytes, 0, out, 16 - tailBytes.length, tailBytes.length);
    return out;
  }

  /** The bytes of colon-separated hex groups, the last one may be a dotted quad when allowed. */
  private static byte[] groups(String part, boolean quadAllowed) {
    if (part.isEmpty()) {
      return new byte[0];
    }
    String[] groups = part.split(":", -1);
    byte[] out = new byte[16 + 4];
    int n = 0;
    for (int i = 0; i < groups.length; i++) {
      String g = groups[i];
      if (i == groups.length - 1 && quadAllowed && g.indexOf('.') >= 0) {
        byte[] quad = parseV4(g);
        if (quad == null || n + 4 > 16) {
          return null;
        }
        System.arraycopy(quad, 0, out, n, 4);
        n += 4;
        continue;
      }
      if (g.isEmpty() || g.length() > 4 || n + 2 > 16) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < g.length(); j++) {
        int d = Character.digit(g.charAt(j), 16);
        if (d < 0) {
          return null;
        }
        v = (v << 4) | d;
      }
      out[n++] = (byte) (v >> 8);
      out[n++] = (byte) v;
    }
    return Arrays.copyOf(out, n);
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
      return "::ffff:" + format(Arrays.copyOfRange(address, 12, 16));
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
