package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyStoreTest {
  @TempDir Path charmDir;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static ReadyRecord record(RecordKey key) {
    Map<String, Object> options = Map.of("auth-basic-password", "hunter2");
    Plan plan = Planner.plan(RegistryConfig.from(new HashMap<>(options)), "s", "10.0.0.5", new Owner("m", "docker-registry", "docker-registry/0"));
    return ReadyRecord.of(key, Instant.now(), ReadyRecord.inputs(key, options, List.of("10.0.0.5")), plan, "c0ffee", plan.files(), plan.absent(), Map.of(),
        false, "", null, "Ready");
  }

  @Test
  void theRecordItsKeyAndTheirDirectoryAreTheUnitsOnly() throws IOException {
    ReadyStore store = ReadyStore.in(charmDir);
    ReadyRecord r = record(store.key());
    store.write(r);
    assertEquals(r.encode(), store.read().orElseThrow().encode());
    assertEquals("rw-------", mode(charmDir.resolve(ReadyStore.FILE)));
    assertEquals("rw-------", mode(charmDir.resolve(ReadyStore.KEY_FILE)));
    assertEquals("rwx------", mode(charmDir.resolve(ReadyStore.FILE).getParent()));
    assertEquals(RecordKey.LENGTH, Files.size(charmDir.resolve(ReadyStore.KEY_FILE)));
  }

  @Test
  void anEarlierRevisionsOpenFilesAreTightened() throws IOException {
    Path dir = Files.createDirectories(charmDir.resolve(ReadyStore.FILE).getParent());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(charmDir.resolve(ReadyStore.FILE), "{}");
    Files.setPosixFilePermissions(charmDir.resolve(ReadyStore.FILE), PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(charmDir.resolve(ReadyStore.FILE + ".tmp"), "left over");
    ReadyStore store = ReadyStore.in(charmDir);
    store.write(record(store.key()));
    assertEquals("rw-------", mode(charmDir.resolve(ReadyStore.FILE)));
    assertEquals("rwx------", mode(dir));
  }

  @Test
  void theKeyIsKeptAndAMissingOrBrokenOneIsReplaced() throws IOException {
    String first = ReadyStore.in(charmDir).key().mac("x");
    assertEquals(first, ReadyStore.in(charmDir).key().mac("x"), "the next hook uses the same key");
    Files.writeString(charmDir.resolve(ReadyStore.KEY_FILE), "short");
    String second = ReadyStore.in(charmDir).key().mac("x");
    assertNotEquals(first, second, "a broken key is replaced");
    assertEquals(second, ReadyStore.in(charmDir).key().mac("x"));
    assertEquals(RecordKey.LENGTH, Files.size(charmDir.resolve(ReadyStore.KEY_FILE)));
    Files.delete(charmDir.resolve(ReadyStore.KEY_FILE));
    assertNotEquals(second, ReadyStore.in(charmDir).key().mac("x"), "a missing key is replaced");
    assertEquals("rw-------", mode(charmDir.resolve(ReadyStore.KEY_FILE)));
  }
}
