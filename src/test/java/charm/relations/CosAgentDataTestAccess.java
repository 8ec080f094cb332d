package charm.relations;

import java.util.regex.Pattern;

/** For ITs in other packages: a published log rule's line filter as a Java regex. */
public final class CosAgentDataTestAccess {
  private CosAgentDataTestAccess() {}

  public static Pattern lineFilter(String config, String alert) {
    return CosAgentDataTest.lineFilter(config, alert);
  }
}
