package charm.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little DER this package reads on every hook (names in certificates and requests, the
 * algorithm of a key) and the key wrapping it writes, without BouncyCastle: its jars are signed,
 * so the JVM checks their signatures on first use and class data sharing skips them, about
 * 250 ms per process. Malformed input throws {@link IllegalArgumentException} without content.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;

  private Der() {}

  /** One tag-length-value inside a buffer. */
  static final class Tlv {
    final int tag;
    private final byte[] buf;
    private final int start;
    private final int valueStart;
    private final int end;

    private Tlv(int tag, byte[] buf, int start, int valueStart, int end) {
      this.tag = tag;
      this.buf = buf;
      this.start = start;
      this.valueStart = valueStart;
      this.end = end;
    }

    byte[] value() {
      return Arrays.copyOfRange(buf, valueStart, end);
    }

    byte[] encoded() {
      return Arrays.copyOfRange(buf, start, end);
    }

    /** The TLVs that make up this one's value, which they must fill exactly. */
    List<Tlv> children() {
      List<Tlv> out = new ArrayList<>();
      int pos = valueStart;
      while (pos < end) {
        Tlv child = read(buf, pos, end);
        out.add(child);
        pos = child.end;
      }
      return out;
    }

    Tlv child(int index) {
      List<Tlv> children = children();
      if (index >= children.size()) {
        throw malformed();
      }
      return children.get(index);
    }

    Tlv expect(int expectedTag) {
      if (tag != expectedTag) {
        throw malformed();
      }
      return this;
    }

    /** An OBJECT IDENTIFIER's dotted text. */
    String oid() {
      expect(OID);
      if (end == valueStart) {
        throw malformed();
      }
      StringBuilder sb = new StringBuilder();
      long arc = 0;
      boolean first = true;
      for (int i = valueStart; i < end; i++) {
        int b = buf[i] & 0xff;
        if (arc > (Long.MAX_VALUE >> 7)) {
          throw malformed();
        }
        arc = (arc << 7) | (b & 0x7f);
        if ((b & 0x80) != 0) {
          continue;
        }
        if (first) {
          int top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
          sb.append(top).append('.').append(arc - 40L * top);
          first = false;
        } else {
          sb.append('.').append(arc);
        }
        arc = 0;
      }
      if ((buf[end - 1] & 0x80) != 0) {
        throw malformed();
      }
      return sb.toString();
    }

    /** The text of a string type (UTF8, Printable, IA5, T61, BMP, Universal), or null for another type. */
    String text() {
      Charset charset = switch (tag) {
        case 0x0c -> StandardCharsets.UTF_8;
        case 0x12, 0x13, 0x16, 0x1a -> StandardCharsets.US_ASCII;
        case 0x14 -> StandardCharsets.ISO_8859_1;
        case 0x1e -> StandardCharsets.UTF_16BE;
        case 0x1c -> Charset.forName("UTF-32BE");
        default -> null;
      };
      return charset == null ? null : new String(buf, valueStart, end - valueStart, charset);
    }
  }

  /** The single TLV that is the whole of der. */
  static Tlv parse(byte[] der) {
    if (der == null) {
      throw malformed();
    }
    Tlv t = read(der, 0, der.length);
    if (t.end != der.length) {
      throw malformed();
    }
    return t;
  }

  private static Tlv read(byte[] buf, int pos, int limit) {
    if (pos + 2 > limit) {
      throw malformed();
    }
    int tag = buf[pos] & 0xff;
    if ((tag & 0x1f) == 0x1f) {
      throw malformed(); // high tag numbers: nothing here uses them
    }
    int lengthByte = buf[pos + 1] & 0xff;
    int valueStart = pos + 2;
    long length;
    if (lengthByte < 0x80) {
      length = lengthByte;
    } else {
      int n = lengthByte & 0x7f;
      if (n == 0 || n > 4 || valueStart + n > limit) {
        throw malformed(); // indefinite length is BER, not DER
      }
      length = 0;
      for (int i = 0; i < n; i++) {
        length = (length << 8) | (buf[valueStart + i] & 0xff);
      }
      valueStart += n;
    }
    if (length > limit - valueStart) {
      throw malformed();
    }
    return new Tlv(tag, buf, pos, valueStart, valueStart + (int) length);
  }

  /** A TLV with the parts as its value. */
  static byte[] encode(int tag, byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static IllegalArgumentException malformed() {
    return new IllegalArgumentException("malformed DER");
  }
}
