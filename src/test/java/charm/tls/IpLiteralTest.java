package charm.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class IpLiteralTest {

  @Test
  void strictDottedQuads() {
    assertArrayEquals(new byte[] {10, 0, 0, 5}, IpLiteral.parse(" 10.0.0.5 "));
    assertNull(IpLiteral.parse("10.0.5"), "the JDK would read this as 10.0.0.5");
    assertNull(IpLiteral.parse("010.0.0.5"));
    assertNull(IpLiteral.parse("10.0.0.256"));
    assertNull(IpLiteral.parse("10.0.0.5."));
  }

  @Test
  void hostNamesAreNotLookedUp() {
    assertNull(IpLiteral.parse("localhost"));
    assertNull(IpLiteral.parse("deadbeef"));
    assertNull(IpLiteral.parse("fe80::zz"));
    assertNull(IpLiteral.parse("fe80::1%eth0"));
    assertNull(IpLiteral.parse(""));
    assertNull(IpLiteral.parse(null));
  }

  @Test
  void v6Syntax() {
    assertArrayEquals(new byte[16], IpLiteral.parse("::"));
    assertEquals("1:2:3:4:5:6:a00:5", IpLiteral.format(IpLiteral.parse("1:2:3:4:5:6:10.0.0.5")));
    assertEquals("1:2:3:4:5:6:7:0", IpLiteral.format(IpLiteral.parse("1:2:3:4:5:6:7::")));
    for (String bad : new String[] {"1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", ":1::", "1:::2",
        "1:2:3:4:5:6:7:10.0.0.5", "10.0.0.5::", "::1.2.3", "[::1", "1:2:3:4:5:6:7:8::"}) {
      assertNull(IpLiteral.parse(bad), bad);
    }
  }

  @Test
  void v6InRfc5952Form() {
    assertEquals("fd00::5", IpLiteral.format(IpLiteral.parse("FD00:0:0:0:0:0:0:5")));
    assertEquals("::1", IpLiteral.format(IpLiteral.parse("[::1]")));
    assertEquals("::", IpLiteral.format(IpLiteral.parse("::")));
    assertEquals("2001:db8:0:1:1:1:1:1", IpLiteral.format(IpLiteral.parse("2001:db8:0:1:1:1:1:1")), "one zero group stays");
    assertEquals("2001:0:0:1::1", IpLiteral.format(IpLiteral.parse("2001:0:0:1:0:0:0:1")), "the longest run");
    assertEquals("2001:db8::1:0:0:1", IpLiteral.format(IpLiteral.parse("2001:db8:0:0:1:0:0:1")), "the first of equal runs");
    assertEquals("::ffff:10.0.0.5", IpLiteral.format(IpLiteral.parse("::FFFF:a00:5")), "mapped v4");
    assertEquals(16, IpLiteral.parse("::ffff:10.0.0.5").length, "keeps its 16 bytes");
  }
}
