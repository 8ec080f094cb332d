package charm.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DerTest {
  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void objectIdentifiers() {
    assertEquals("1.2.840.113549.1.1.1", Der.parse(hex("06 09 2a864886f70d010101")).oid());
    assertEquals("2.5.29.17", Der.parse(hex("06 03 551d11")).oid());
    assertEquals("2.999.3", Der.parse(hex("06 03 883703")).oid(), "a first arc of 2 takes large second arcs");
    assertThrows(IllegalArgumentException.class, () -> Der.parse(hex("06 02 2a86")).oid(), "unterminated arc");
    assertThrows(IllegalArgumentException.class, () -> Der.parse(hex("06 00")).oid());
  }

  @Test
  void lengthsShortAndLong() {
    byte[] value = new byte[300];
    byte[] encoded = Der.encode(Der.OCTET_STRING, value);

    assertArrayEquals(hex("04 82 012c"), java.util.Arrays.copyOf(encoded, 4));
    assertArrayEquals(value, Der.parse(encoded).value());
    assertArrayEquals(hex("30 03 020100"), Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0})));
  }

  @Test
  void childrenFillTheirParent() {
    Der.Tlv seq = Der.parse(hex("30 06 0201 05 0c01 41"));

    List<Der.Tlv> children = seq.children();
    assertEquals(2, children.size());
    assertEquals("A", children.get(1).text());
    assertThrows(IllegalArgumentException.class, () -> Der.parse(hex("30 05 0201 05 0c02 41")).children(), "child overruns");
  }

  @Test
  void malformedInputThrowsWithoutContent() {
    for (String bad : new String[] {"", "30", "30 05 0000", "30 80 0000", "04 85 0000000001 00", "1f 01 00", "30 00 00"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Der.parse(hex(bad)), bad);
      assertEquals("malformed DER", e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Der.parse(null));
    assertThrows(IllegalArgumentException.class, () -> Der.parse(hex("05 00")).expect(Der.SEQUENCE));
  }
}
