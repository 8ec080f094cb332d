package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * What containerd (the docker-registry client) needs from the options: a password (and user) it
 * can write into its TOML config as it does, unescaped between double quotes.
 */
class ContainerdClientOptionsTest {
  @ParameterizedTest
  @ValueSource(strings = {"pa\"ss", "pa\\ss", "back\\nslash", "nul\u0000", "bell\u0007", "esc\u001b", "del\u007f", "\u000bvt"})
  void aPasswordContainerdCannotWriteIntoItsTomlIsAClientProblemOnly(String password) {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(Map.of("auth-basic-password", password)));

    assertEquals(List.of(), cfg.problems(), "valid for the registry itself");
    assertEquals(List.of("auth-basic-password"), cfg.clientProblems().stream().map(RegistryConfig.Problem::option).toList());
    String message = RegistryConfig.statusMessage(cfg.clientProblems());
    assertTrue(message.startsWith("Invalid charm config: auth-basic-password ("), message);
    assertTrue(message.contains("docker-registry"), message);
    assertFalse(message.contains(password), "never the value");
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3cret", "tab\there", "ünïcödé €", "'single' quotes", "#!$%&()*+,-./:;<=>?@[]^_`{|}~", "12345", "true"})
  void passwordsTomlTakesAsTheyAreAreFine(String password) {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(Map.of("auth-basic-password", password)));

    assertEquals(List.of(), cfg.problems());
    assertEquals(List.of(), cfg.clientProblems());
  }

  @Test
  void theUserGoesIntoTheSameKindOfStringAndNothingCountsWithoutBasicAuth() {
    RegistryConfig user = RegistryConfig.from(new HashMap<>(Map.of("auth-basic-user", "ad\"min", "auth-basic-password", "pw")));
    assertEquals(List.of("auth-basic-user"), user.clientProblems().stream().map(RegistryConfig.Problem::option).toList());

    RegistryConfig off = RegistryConfig.from(new HashMap<>(Map.of("auth-basic-user", "ad\"min")));
    assertEquals(List.of(), off.clientProblems(), "no basic auth, nothing published");
  }
}
