package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class RecordKeyTest {
  private static String jdkHmac(byte[] key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void isHmacSha256() throws Exception {
    byte[] key = new byte[RecordKey.LENGTH];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 37 + 200);
    }
    for (String text : new String[] {"", "x", "{\"auth-basic-password\":\"hunter2\"}\0" + "10.0.0.5", "é".repeat(100)}) {
      assertEquals(jdkHmac(key, text), RecordKey.of(key).mac(text), text);
    }
  }

  @Test
  void theKeyDecidesTheDigest() {
    byte[] key = new byte[RecordKey.LENGTH];
    String one = RecordKey.of(key).mac("options");
    assertEquals(one, RecordKey.of(key.clone()).mac("options"));
    key[31] = 1;
    assertNotEquals(one, RecordKey.of(key).mac("options"));
  }

  @Test
  void hasThirtyTwoBytes() {
    assertThrows(IllegalArgumentException.class, () -> RecordKey.of(new byte[16]));
  }
}
