package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A certificate file and its private key file, as an issuer wrote them. */
record CertAndKey(Path cert, Path key) {

  /** The certificate file's text exactly as issued (easy-rsa's has a text dump before the PEM). */
  String certPem() {
    return read(cert);
  }

  String keyPem() {
    return read(key);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
