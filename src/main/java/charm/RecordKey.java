package charm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The unit's random key for the digests of its {@link ReadyRecord}: HMAC-SHA256 (RFC 2104) under
 * it, so the record's digests of the options (passwords and secret keys among them) and of the
 * files cannot be checked against guesses by anyone who reads the record but not the key.
 *
 * <p>Built on {@link MessageDigest} rather than {@code javax.crypto.Mac}: SHA-256 comes from the
 * first security provider, while the lookup of a Mac instantiates the providers before SunJCE,
 * which a steady update-status over HTTP would otherwise pay for. {@code RecordKeyTest} checks
 * the result against {@code Mac} "HmacSHA256".
 */
final class RecordKey {
  /** The key's length in bytes. */
  static final int LENGTH = 32;
  private static final int BLOCK = 64;

  private final byte[] key;

  private RecordKey(byte[] key) {
    this.key = key.clone();
  }

  /** The key with these bytes; {@link #LENGTH} of them. */
  static RecordKey of(byte[] key) {
    if (key.length != LENGTH) {
      throw new IllegalArgumentException("a record key has " + LENGTH + " bytes, not " + key.length);
    }
    return new RecordKey(key);
  }

  /** The key's bytes, to store. */
  byte[] bytes() {
    return key.clone();
  }

  /** HMAC-SHA256 of the text's UTF-8 bytes under the key, in lower-case hex. */
  String mac(String text) {
    MessageDigest sha = sha256();
    byte[] inner = pad((byte) 0x36);
    byte[] outer = pad((byte) 0x5c);
    sha.update(inner);
    byte[] innerDigest = sha.digest(text.getBytes(StandardCharsets.UTF_8));
    sha.update(outer);
    return HexFormat.of().formatHex(sha.digest(innerDigest));
  }

  /** The key (shorter than a block) padded with zeros to one block and XORed with the byte. */
  private byte[] pad(byte with) {
    byte[] block = Arrays.copyOf(key, BLOCK);
    for (int i = 0; i < BLOCK; i++) {
      block[i] ^= with;
    }
    return block;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
