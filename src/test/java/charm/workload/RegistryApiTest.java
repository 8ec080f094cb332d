package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RegistryApiTest {
  @Test
  void theNextPageIsTheLinkPathOnTheUnitsOwnAddress() {
    assertEquals("/v2/_catalog?last=t%2Fa&n=1", RegistryApi.nextPage("</v2/_catalog?last=t%2Fa&n=1>; rel=\"next\""));
    assertEquals("/v2/x/tags/list?last=b&n=2", RegistryApi.nextPage("<https://registry.example.com:8443/v2/x/tags/list?last=b&n=2>; rel=\"next\""),
        "an absolute link (http.host) is followed on the unit's own base URL");
    assertNull(RegistryApi.nextPage(null));
    assertNull(RegistryApi.nextPage("</v2/_catalog?last=a>; rel=\"prev\""));
    assertNull(RegistryApi.nextPage("</elsewhere?x=1>; rel=\"next\""), "only API paths");
  }
}
