package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.workload.HostFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The website relation across a leadership change: the leader publishes from the plan and its
 * peers' data, whatever its own registry does; a unit that lost leadership keeps what haproxy
 * reads until the peer data names another publisher.
 */
class RelationsWebsiteTest {
  static final String ME = "docker-registry/0";
  static final String PEER = "docker-registry/1";
  static final String OTHER = "docker-registry/2";

  @TempDir Path root;
  final RecordingHookTools tools = new RecordingHookTools();
  final RegistryConfig cfg = RegistryConfig.from(new HashMap<>(Map.of("registry-port", 5000)));
  final Plan plan = Planner.plan(cfg, "s3cr3t", "10.0.0.5", new Owner("m", "docker-registry", ME));

  private Relations relations() {
    return new Relations(tools, new HostFiles(root), ME, "docker-registry", "");
  }

  private void website(Map<String, String> own, Map<String, String> peerApp) {
    tools.websiteOwn = new HashMap<>(own);
    tools.peerApp = new HashMap<>(peerApp);
    tools.peerUnits.put(ME, new HashMap<>());
    tools.peerUnits.put(PEER, new HashMap<>(Map.of("private-address", "10.0.0.6", Relations.ADDRESS, "10.0.1.6", Relations.PORT, "5001")));
    tools.peerUnits.put(OTHER, new HashMap<>(Map.of("private-address", "10.0.0.7")));
  }

  private static Map<String, String> published() {
    return Map.of("private-address", "10.0.0.5", "hostname", "10.0.0.5", "port", "5000", "services", "- service_name: docker-registry\n");
  }

  @Test
  void theLeaderPublishesEveryUnitWherePeersSayTheyAreAndNotesItself() {
    website(Map.of("private-address", "10.0.0.5"), Map.of());
    tools.leader = true;
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    String services = tools.websiteOwn.get("services");
    assertTrue(services.contains("[docker-registry-0, 10.0.0.5, 5000, check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096]"), services);
    assertTrue(services.contains("[docker-registry-1, 10.0.1.6, 5001, check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 backup]"),
        "where the peer says its registry is: " + services);
    assertTrue(services.contains("[docker-registry-2, 10.0.0.7, 5000, check inter 1s fastinter 250ms downinter 1s rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down maxconn 4096 backup]"),
        "a peer that says nothing: its private address and this unit's port: " + services);
    assertEquals("5000", tools.websiteOwn.get("port"));
    assertEquals(ME, tools.peerApp.get(Relations.PUBLISHER));

    tools.relationSets.clear();
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    assertEquals(List.of(), tools.relationSets, "nothing changed, nothing written");
  }

  @Test
  void aUnitThatLostLeadershipKeepsItsDataWhileItIsStillThePublisher() {
    website(published(), Map.of(Relations.PUBLISHER, ME));
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    assertEquals(published(), tools.websiteOwn, "the new leader has not published yet: haproxy keeps this copy");
    assertEquals(List.of(), tools.relationSets);
  }

  @Test
  void aUnitThatLostLeadershipWithdrawsOnceAnotherUnitPublishes() {
    website(published(), Map.of(Relations.PUBLISHER, PEER));
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    assertEquals(Map.of("private-address", "10.0.0.5"), tools.websiteOwn);
  }

  @Test
  void withoutAPublisherNotedAFollowerKeepsWhatItHas() {
    website(published(), Map.of());
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    assertEquals(published(), tools.websiteOwn, "an upgrade from a revision that noted no publisher: the leader's next hook does");
  }

  @Test
  void theLeaderWithoutAWebsiteRelationNotesThatNobodyPublishes() {
    tools.peerApp = new HashMap<>(Map.of(Relations.PUBLISHER, PEER));
    tools.leader = true;
    relations().website(plan, cfg, "peer:0", tools.peerApp);
    assertFalse(tools.peerApp.containsKey(Relations.PUBLISHER));
  }
}
