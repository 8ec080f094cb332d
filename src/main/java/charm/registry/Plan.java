package charm.registry;

import java.util.List;
import java.util.SortedSet;

/**
 * The desired state computed by {@link Planner}: files, the container, the ports to open and how
 * clients reach the registry.
 *
 * @param files files the registry needs, by absolute unit path
 * @param container the container to run
 * @param ports TCP ports to open on the unit
 * @param netloc {@code host:port} clients use
 * @param scheme {@code http} or {@code https}
 */
public record Plan(
    List<FileSpec> files, ContainerSpec container, SortedSet<Integer> ports, String netloc, String scheme) {

  /** A file with its content and POSIX mode, e.g. {@code rw-------}. */
  public record FileSpec(String path, String content, String mode) {}
}
