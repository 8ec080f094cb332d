package charm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading relation data, checking material and reading requests load no BouncyCastle class:
 * its jars are signed, so the JVM verifies them on first use and class data sharing skips them
 * (about 250 ms in every hook that would touch them).
 */
class HotPathTest {
  @TempDir Path tmp;

  @Test
  void everyHookWorkLoadsNoBouncyCastle() {
    OpenSslPki pki = new OpenSslPki(tmp, "ca");
    pki.server("server", "10.0.0.5", "IP:10.0.0.5");
    Cli.openssl(tmp, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
    Cli.openssl(tmp, "req", "-x509", "-key", "ec.key", "-days", "1", "-subj", "/CN=ec", "-out", "ec.crt");
    Cli.write(tmp.resolve("unit.csr"), Csr.create(Keys.newPrivateKeyPem(), "10.0.0.5", List.of("10.0.0.5", "reg.example.org")));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    Cli.Out out = Cli.run(tmp, Map.of(), List.of(java, "-Xshare:auto", "-verbose:class",
        "-cp", System.getProperty("java.class.path"), HotPath.class.getName(), tmp.toString()));

    assertEquals(0, out.exitCode(), out.stderr());
    assertTrue(out.stdout().contains("[] [10.0.0.5] ec=true csr=10.0.0.5 [10.0.0.5, reg.example.org] same=true 5"),
        out.stdout().lines().filter(l -> !l.contains("[class,load]")).toList().toString());
    List<String> bouncyCastle = out.stdout().lines().filter(l -> l.contains("org.bouncycastle")).toList();
    assertEquals(List.of(), bouncyCastle);
  }
}
