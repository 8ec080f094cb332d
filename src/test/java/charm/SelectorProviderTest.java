package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.Test;

/** {@link Main#nameTheSelectorProvider} names the provider the JDK would choose anyway. */
class SelectorProviderTest {

  @Test
  void theNamedProviderIsTheJdksOwn() {
    Main.nameTheSelectorProvider();
    assertEquals(Main.LINUX_SELECTOR_PROVIDER, SelectorProvider.provider().getClass().getName());
  }
}
