package charm.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a hook does with TLS on every run, as a separate program: {@link HotPathTest} runs it in a
 * fresh JVM and checks which classes it loaded. Argument: a directory with server.crt/.key,
 * ca.crt, unit.csr, ec.crt/.key.
 */
public final class HotPath {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String cert = Files.readString(dir.resolve("server.crt"));
    String key = Files.readString(dir.resolve("server.key"));
    String ca = Files.readString(dir.resolve("ca.crt"));
    String csr = Files.readString(dir.resolve("unit.csr"));
    Map<String, String> unitBag = Map.of("ca", ca, "docker-registry_0.server.cert", cert, "docker-registry_0.server.key", key);
    CertProvider.Answer answer = CertProvider.answer("docker-registry/0", "10.0.0.5", csr,
        Map.of("certificates", "[]"), List.of(unitBag)).orElseThrow();
    CertificateCheck.Result result = CertificateCheck.check(answer.material(), List.of("10.0.0.5"), Instant.now());
    boolean ec = Keys.matches(Files.readString(dir.resolve("ec.key")), Files.readString(dir.resolve("ec.crt")));
    System.out.println(result.problems() + " " + result.names() + " ec=" + ec
        + " csr=" + Csr.commonName(csr) + " " + Csr.subjectAltNames(csr) + " same=" + Csr.same(csr, csr)
        + " " + CertProvider.request("docker-registry/0", "10.0.0.5", List.of("10.0.0.5"), csr).size());
  }
}
