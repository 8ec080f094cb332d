package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.registry.Owner;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The blob descriptor cache generation in the peer relation: a number that a garbage collection
 * raises so that every unit replaces its registry, whose in-memory cache may still describe blobs
 * the collection deleted (see {@link CacheReset}). Each unit plans the highest one it sees into
 * its container's spec ({@code charm.docker-registry.cache-generation}, in the spec hash), so a
 * raised generation replaces the container once, through the usual replace with rollback, and a
 * generation that did not change replaces nothing.
 *
 * <p>Who writes where: the unit that collected publishes the next generation, the leader in the
 * application bag, any other unit in its own unit bag (the only peer bags it may write, also from
 * an action). Readers take the highest of the application bag and every unit's bag, their own
 * included (Juju runs no {@code -relation-changed} on the writer). The leader copies a higher
 * unit value into the application bag, so a unit that published one and then leaves the
 * application does not take the generation down with it (which would replace every registry once
 * more for nothing).
 */
final class CacheGeneration {
  static final String KEY = "cache-generation";

  private final HookTools tools;
  private final Owner owner;

  CacheGeneration(HookTools tools, Owner owner) {
    this.tools = tools;
    this.owner = owner;
  }

  /** The highest generation in the peer relation; 0 when there is none (or no peer relation yet). */
  long highest() {
    List<String> ids = tools.relationIds(SharedSecret.PEER_ENDPOINT);
    return ids.isEmpty() ? 0 : highest(ids.get(0));
  }

  /**
   * Publishes the generation after the highest one, in the bag this unit may write (committed when
   * the hook or action exits 0: then Juju runs {@code peer-relation-changed} on the other units).
   * Empty when there is no peer relation, so no other unit to tell.
   */
  OptionalLong publishNext() {
    List<String> ids = tools.relationIds(SharedSecret.PEER_ENDPOINT);
    if (ids.isEmpty()) {
      return OptionalLong.empty();
    }
    String relation = ids.get(0);
    long next = highest(relation) + 1;
    Map<String, String> data = Map.of(KEY, String.valueOf(next));
    if (tools.isLeader()) {
      tools.relationSetApp(relation, data);
    } else {
      tools.relationSet(relation, data);
    }
    return OptionalLong.of(next);
  }

  private long highest(String relation) {
    long app = parse(tools.relationGetApp(relation, owner.application()).get(KEY));
    long units = parse(tools.relationGet(relation, owner.unit()).get(KEY));
    for (String peer : tools.relationList(relation)) {
      units = Math.max(units, parse(tools.relationGet(relation, peer).get(KEY)));
    }
    if (units > app && tools.isLeader()) {
      tools.relationSetApp(relation, Map.of(KEY, String.valueOf(units)));
      tools.log(LogLevel.INFO, "Blob descriptor cache generation " + units + " (published by a unit) kept in the application's peer data");
    }
    return Math.max(app, units);
  }

  /** A generation as written: a positive decimal; anything else counts as none. */
  static long parse(String value) {
    if (value == null || value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    return Long.parseLong(value);
  }
}
