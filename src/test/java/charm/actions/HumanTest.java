package charm.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sizes and ages as the docker CLI (go-units) prints them. */
class HumanTest {
  @ParameterizedTest
  @CsvSource({
    "0, 0B",
    "34, 34B",
    "999, 999B",
    "1000, 1kB",
    "1500, 1.5kB",
    "23100000, 23.1MB",
    "23149999, 23.1MB",
    "112500000, 112MB",
    "999600, 1e+03kB",
    "1234567890, 1.23GB",
    "5000000000000, 5TB",
  })
  void sizes(long bytes, String expected) {
    assertEquals(expected, Human.size(bytes));
  }

  @ParameterizedTest
  @CsvSource({
    "0, Less than a second",
    "1, 1 second",
    "59, 59 seconds",
    "60, About a minute",
    "119, About a minute",
    "120, 2 minutes",
    "3599, 59 minutes",
    "3600, About an hour",
    "5399, About an hour",
    "5400, 2 hours",
    "170000, 47 hours",
    "172800, 2 days",
    "1205000, 13 days",
    "1209600, 2 weeks",
    "5180000, 8 weeks",
    "5184000, 2 months",
    "63000000, 24 months",
    "63072000, 2 years",
    "1795000000, 56 years",
  })
  void ages(long seconds, String expected) {
    assertEquals(expected, Human.duration(Duration.ofSeconds(seconds)));
  }
}
