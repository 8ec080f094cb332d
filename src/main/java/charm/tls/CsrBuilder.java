package charm.tls;

import java.io.IOException;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/** Builds requests with BouncyCastle; kept apart so that reading requests loads none of it. */
final class CsrBuilder {
  private CsrBuilder() {}

  static String create(PrivateKey key, String commonName, List<String> sans) {
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    PKCS10CertificationRequestBuilder builder = new PKCS10CertificationRequestBuilder(subject, BcKeys.publicKeyInfo(key));
    List<GeneralName> names = generalNames(sans);
    if (!names.isEmpty()) {
      try {
        Extension san = new Extension(Extension.subjectAlternativeName, false,
            new DEROctetString(new GeneralNames(names.toArray(new GeneralName[0]))));
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new Extensions(san));
      } catch (IOException e) {
        throw new IllegalStateException("cannot encode the subject alternative names", e);
      }
    }
    String algorithm = Keys.signatureAlgorithm(key);
    try {
      PKCS10CertificationRequest csr = builder.build(new JcaContentSignerBuilder(algorithm).build(key));
      return Pem.encode(Csr.TYPE, csr.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot sign the certificate request (" + algorithm + ")");
    }
  }

  /** GeneralNames for the names, IP literals as addresses; duplicates and blanks dropped. */
  static List<GeneralName> generalNames(List<String> sans) {
    Map<String, GeneralName> unique = new LinkedHashMap<>();
    for (String raw : sans) {
      if (raw == null || raw.isBlank()) {
        continue;
      }
      String s = raw.strip();
      byte[] ip = IpLiteral.parse(s);
      if (ip != null) {
        unique.putIfAbsent("ip " + Arrays.toString(ip), new GeneralName(GeneralName.iPAddress, new DEROctetString(ip)));
      } else {
        unique.putIfAbsent("dns " + s.toLowerCase(Locale.ROOT), new GeneralName(GeneralName.dNSName, s));
      }
    }
    return new ArrayList<>(unique.values());
  }
}
