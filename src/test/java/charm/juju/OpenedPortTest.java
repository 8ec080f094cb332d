package charm.juju;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenedPortTest {
  @Test
  void singlePortsParseRangesAndIcmpDoNot() {
    assertEquals(Optional.of(new OpenedPort(5000, "tcp")), OpenedPort.parse("5000/tcp"));
    assertEquals(Optional.of(new OpenedPort(53, "udp")), OpenedPort.parse("53/udp"));
    assertTrue(OpenedPort.parse("8000-8999/tcp").isEmpty());
    assertTrue(OpenedPort.parse("icmp").isEmpty());
    assertTrue(OpenedPort.parse("80/tcp (website)").isEmpty());
  }
}
