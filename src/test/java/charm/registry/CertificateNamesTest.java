package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** tls-certificate-names: DNS names only, and clients told one of them through http-host. */
class CertificateNamesTest {

  @Test
  void namesKeepTheirOrderWithoutDuplicatesOrSpaces() {
    CertificateNames n = CertificateNames.parse(" reg.example.com, *.example.com ,REG.example.com,registry");
    assertEquals(List.of("reg.example.com", "*.example.com", "registry"), n.names());
    assertEquals(List.of(), CertificateNames.parse("").names());
    assertEquals(List.of(), CertificateNames.parse("  ").names());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.5", "reg.example.com,10.0.0.5", "::1", "reg.example.com,", "a,,b", "reg_1.example.com",
      "-reg.example.com", "reg.example.com.", "a.*.example.com", "*", "reg example.com", "https://reg.example.com/"})
  void invalidNamesBlockNamingTheOption(String value) {
    RegistryConfig cfg = RegistryConfig.from(Map.of("tls-certificate-names", value, "http-host", "https://reg.example.com/"));
    assertEquals(List.of("tls-certificate-names"), cfg.problems().stream().map(RegistryConfig.Problem::option).toList(), value);
    assertEquals(List.of(), cfg.certificateNames());
    assertTrue(cfg.statusMessage().startsWith("Invalid charm config: tls-certificate-names (must be comma-separated DNS names"),
        cfg.statusMessage());
  }

  @Test
  void httpHostMustBeOneOfTheNames() {
    assertEquals("Invalid charm config: http-host, tls-certificate-names (with tls-certificate-names, http-host must be set to a URL"
        + " whose host is one of those names)", with(Map.of("tls-certificate-names", "reg.example.com")).statusMessage());
    assertFalse(with(Map.of("tls-certificate-names", "reg.example.com", "http-host", "https://10.0.0.5:5000/")).isValid());
    assertFalse(with(Map.of("tls-certificate-names", "reg.example.com", "http-host", "https://other.example.com/")).isValid());
    assertFalse(with(Map.of("tls-certificate-names", "*.example.com", "http-host", "https://a.b.example.com/")).isValid());

    RegistryConfig ok = with(Map.of("tls-certificate-names", "alt.example.com,REG.example.com", "http-host", "https://reg.example.com:5000/"));
    assertEquals(List.of(), ok.problems());
    assertEquals(List.of("alt.example.com", "REG.example.com"), ok.certificateNames());
    assertTrue(with(Map.of("tls-certificate-names", "*.example.com", "http-host", "https://reg.example.com/")).isValid());
    assertTrue(with(Map.of("http-host", "https://10.0.0.5:5000/")).isValid(), "unset, nothing changes");
  }

  private static RegistryConfig with(Map<String, Object> options) {
    return RegistryConfig.from(new HashMap<>(options));
  }
}
