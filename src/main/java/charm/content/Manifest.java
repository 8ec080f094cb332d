package charm.content;

import charm.juju.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a stored manifest says about the content it holds, read from its bytes: the blobs it
 * references (config and layers, with their sizes) or, for an index or manifest list, the
 * manifests it references (its platforms). Pure: no I/O.
 *
 * @param digest the manifest's own digest (it is stored as a blob of {@code size} bytes)
 * @param mediaType the manifest's media type, from its body or, failing that, the registry's answer
 * @param size its length in bytes
 * @param config the image config's digest, "" for an index or a schema-1 manifest
 * @param blobs config and layers, in manifest order (empty for an index)
 * @param children the manifests an index or manifest list references (empty for an image)
 */
public record Manifest(String digest, String mediaType, long size, String config, List<Blob> blobs, List<Child> children) {

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";

  public Manifest {
    blobs = List.copyOf(blobs);
    children = List.copyOf(children);
  }

  /** A blob a manifest references, with the size its descriptor gives (0 when unknown). */
  public record Blob(String digest, long size) {}

  /** A platform manifest of an index: its digest, size and "os/arch[/variant]" ("" when not given). */
  public record Child(String digest, long size, String platform) {}

  /** Whether it is an OCI index or a Docker manifest list. */
  public boolean isIndex() {
    return !children.isEmpty() || mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_LIST);
  }

  /**
   * Reads a manifest's bytes.
   *
   * @param servedType the Content-Type the registry served it with, used when the body names none
   * @throws IllegalArgumentException when the bytes are not a manifest this reader understands
   */
  public static Manifest parse(String digest, String servedType, byte[] body) {
    Object parsed;
    try {
      parsed = Json.parse(body);
    } catch (Json.ParseException e) {
      throw new IllegalArgumentException("manifest " + digest + " is not JSON");
    }
    if (!(parsed instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("manifest " + digest + " is not a JSON object");
    }
    String type = m.get("mediaType") instanceof String t ? t : servedType;
    List<Blob> blobs = new ArrayList<>();
    List<Child> children = new ArrayList<>();
    String config = "";
    if (m.get("manifests") instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof Map<?, ?> d && d.get("digest") instanceof String child) {
          children.add(new Child(child, size(d), platform(d.get("platform"))));
        }
      }
      if (type == null || type.isEmpty()) {
        type = OCI_INDEX;
      }
    } else if (m.get("fsLayers") instanceof List<?> layers) {
      type = SCHEMA1;
      for (Object item : layers) {
        if (item instanceof Map<?, ?> d && d.get("blobSum") instanceof String sum) {
          blobs.add(new Blob(sum, 0));
        }
      }
    } else {
      if (m.get("config") instanceof Map<?, ?> c && c.get("digest") instanceof String d) {
        config = d;
        blobs.add(new Blob(d, size(c)));
      }
      if (m.get("layers") instanceof List<?> layers) {
        for (Object item : layers) {
          if (item instanceof Map<?, ?> d && d.get("digest") instanceof String layer) {
            blobs.add(new Blob(layer, size(d)));
          }
        }
      }
      if (config.isEmpty() && blobs.isEmpty()) {
        throw new IllegalArgumentException("manifest " + digest + " has no config, layers or manifests");
      }
    }
    return new Manifest(digest, type == null ? "" : type, body.length, config, blobs, children);
  }

  private static long size(Map<?, ?> descriptor) {
    return descriptor.get("size") instanceof Number n ? n.longValue() : 0;
  }

  private static String platform(Object p) {
    if (!(p instanceof Map<?, ?> m)) {
      return "";
    }
    String text = m.get("os") + "/" + m.get("architecture");
    return m.get("variant") instanceof String v && !v.isEmpty() ? text + "/" + v : text;
  }
}
