package charm.tls;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM blocks in text that may carry other text: easyrsa puts a "Certificate: Data: ..." dump
 * before BEGIN, people paste with CRLF or indentation. Nothing here echoes content in messages.
 */
public final class Pem {
  private static final String DASHES = "-----";
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final List<String> PRIVATE_KEY_TYPES = List.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY");

  private Pem() {}

  /** One PEM block: its type ("CERTIFICATE") and its normalised text. */
  record Block(String type, String text) {
    @Override
    public String toString() {
      return "Pem.Block[" + type + "]";
    }
  }

  /**
   * Every {@code -----BEGIN type-----} ... {@code -----END type-----} block of the given type, in
   * order, each normalised: LF line ends, the base64 rewrapped at 64 columns, a trailing newline.
   * Blocks without their END line, or with another BEGIN inside, are left out.
   */
  public static List<String> blocks(String text, String type) {
    List<String> out = new ArrayList<>();
    for (Block b : all(text)) {
      if (b.type().equals(type)) {
        out.add(b.text());
      }
    }
    return out;
  }

  /** The first PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block, normalised, or null. */
  public static String firstPrivateKey(String text) {
    for (Block b : all(text)) {
      if (PRIVATE_KEY_TYPES.contains(b.type())) {
        return b.text();
      }
    }
    return null;
  }

  /** The blocks' texts joined, or null when there are none. */
  static String joined(List<String> blocks) {
    return blocks.isEmpty() ? null : String.join("", blocks);
  }

  /** Every well-formed block of any type, in order. */
  static List<Block> all(String text) {
    List<Block> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    int from = 0;
    while (true) {
      int begin = text.indexOf(BEGIN, from);
      if (begin < 0) {
        return out;
      }
      int typeEnd = text.indexOf(DASHES, begin + BEGIN.length());
      if (typeEnd < 0) {
        return out;
      }
      String type = text.substring(begin + BEGIN.length(), typeEnd);
      int bodyStart = typeEnd + DASHES.length();
      if (!validType(type)) {
        from = bodyStart;
        continue;
      }
      String footer = END + type + DASHES;
      int end = text.indexOf(footer, bodyStart);
      int nextBegin = text.indexOf(BEGIN, bodyStart);
      if (end < 0) {
        return out;
      }
      if (nextBegin >= 0 && nextBegin < end) {
        from = nextBegin;
        continue;
      }
      out.add(new Block(type, normalise(type, text.substring(bodyStart, end))));
      from = end + footer.length();
    }
  }

  private static boolean validType(String type) {
    if (type.isEmpty() || type.length() > 64) {
      return false;
    }
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != ' ' && c != '-' && c != '_') {
        return false;
      }
    }
    return true;
  }

  /**
   * Header, base64 rewrapped at 64 columns (what every reader accepts), footer. A block with
   * RFC 1421 headers (Proc-Type, an encrypted key) keeps its lines, only trimmed.
   */
  private static String normalise(String type, String body) {
    StringBuilder sb = new StringBuilder(body.length() + 64);
    sb.append(BEGIN).append(type).append(DASHES).append('\n');
    String[] lines = body.strip().split("\r\n|\r|\n");
    if (body.indexOf(':') >= 0) {
      for (String line : lines) {
        sb.append(line.strip()).append('\n');
      }
    } else {
      StringBuilder b64 = new StringBuilder(body.length());
      for (int i = 0; i < body.length(); i++) {
        char c = body.charAt(i);
        if (!Character.isWhitespace(c)) {
          b64.append(c);
        }
      }
      for (int i = 0; i < b64.length(); i += 64) {
        sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
      }
    }
    sb.append(END).append(type).append(DASHES).append('\n');
    return sb.toString();
  }

  /** The DER bytes of a block's base64 body (header lines such as Proc-Type are skipped), or null. */
  static byte[] der(String block) {
    if (block == null) {
      return null;
    }
    StringBuilder b64 = new StringBuilder(block.length());
    for (String line : block.split("\n")) {
      if (line.startsWith(DASHES) || line.indexOf(':') >= 0) {
        continue;
      }
      b64.append(line);
    }
    try {
      return Base64.getMimeDecoder().decode(b64.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A PEM block of the given type around DER bytes, 64 base64 characters a line. */
  static String encode(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return BEGIN + type + DASHES + "\n" + b64 + "\n" + END + type + DASHES + "\n";
  }
}
