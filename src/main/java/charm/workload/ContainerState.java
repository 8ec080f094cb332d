package charm.workload;

/** What the Docker engine reports about an existing container. */
public record ContainerState(
    String id, String name, boolean running, boolean restarting, int exitCode, String specHash,
    String startedAt) {}
