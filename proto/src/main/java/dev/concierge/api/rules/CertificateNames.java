package dev.concierge.api.rules;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a certificate is known by, the same on the control plane (the API's dns_names and
 * fingerprint) and on the node (SNI selection): the DNS names of its subjectAltName, or its common
 * name when it has no DNS name (RFC 6125 §6.4.4), lower-cased; and its SHA-256 fingerprint.
 */
public final class CertificateNames {
  private static final int DNS_SAN = 2;

  private CertificateNames() {}

  /**
   * The names {@code leaf} covers; a wildcard stays as written ("*.example.com").
   *
   * @throws IllegalArgumentException when the subjectAltName or subject is malformed
   */
  public static List<String> of(X509Certificate leaf) {
    List<String> names = new ArrayList<>();
    try {
      if (leaf.getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
          if (san.size() >= 2 && san.get(0) instanceof Integer type && type == DNS_SAN) {
            names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the leaf certificate has a malformed subjectAltName");
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(String.valueOf(rdn.getValue()).toLowerCase(Locale.ROOT));
          }
        }
      } catch (InvalidNameException e) {
        throw new IllegalArgumentException("the leaf certificate has a malformed subject");
      }
    }
    return names;
  }

  /** Lower-case hex SHA-256 of the certificate's DER encoding. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate cannot be encoded: " + e.getMessage());
    }
  }
}
