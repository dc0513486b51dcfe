#include "tests/support/test_certs.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ec::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, X509ExtFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// INTERNAL with `what` and the drained OpenSSL error queue.
absl::Status OpenSslError(const std::string& what) {
  std::string message = absl::StrCat("test PKI: ", what, " failed");
  while (const unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    absl::StrAppend(&message, "; ", buf);
  }
  return absl::InternalError(message);
}

absl::StatusOr<PkeyPtr> NewP256Key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return OpenSslError("generating a P-256 key");
  return key;
}

// Adds one X509v3 extension given in openssl.cnf syntax, e.g.
// (NID_basic_constraints, "critical,CA:TRUE").
absl::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid,
                          const char* value) {
  X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (ext == nullptr) {
    return OpenSslError(
        absl::StrCat("building extension ", OBJ_nid2sn(nid), "=", value));
  }
  if (X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

struct Extension {
  int nid;
  const char* value;
};

// Issues a certificate for `key` named CN=`common_name`. A null `issuer`
// makes it self-signed (then `issuer_key` must be `key`).
absl::StatusOr<X509Ptr> Issue(std::string_view common_name, EVP_PKEY* key,
                              X509* issuer, EVP_PKEY* issuer_key,
                              std::initializer_list<Extension> extensions) {
  X509Ptr cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("setting the version");
  }

  // A random positive 127-bit serial (RFC 5280 allows up to 20 octets).
  BnPtr serial(BN_new());
  if (serial == nullptr ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ==
          nullptr) {
    return OpenSslError("setting a random serial");
  }

  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60) ==
          nullptr) {
    return OpenSslError("setting the validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  if (X509_NAME_add_entry_by_txt(
          name, "O", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>("enterprise-catalog tests"),
          -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1) {
    return OpenSslError("setting the subject name");
  }
  X509* const signer = issuer == nullptr ? cert.get() : issuer;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return OpenSslError("setting the issuer name");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslError("setting the public key");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
  // Lets authorityKeyIdentifier of a self-signed certificate use its own key.
  if (X509V3_set_issuer_pkey(&ctx, issuer_key) != 1) {
    return OpenSslError("setting the issuer key");
  }
  for (const Extension& ext : extensions) {
    if (absl::Status s = AddExtension(cert.get(), &ctx, ext.nid, ext.value);
        !s.ok()) {
      return s;
    }
  }
  // subjectKeyIdentifier first: authorityKeyIdentifier of a self-signed
  // certificate is derived from it.
  if (absl::Status s =
          AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = AddExtension(
          cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
      !s.ok()) {
    return s;
  }

  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("signing the certificate");
  }
  return cert;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size))
                  : std::string();
}

absl::StatusOr<PemPair> ToPem(X509* cert, EVP_PKEY* key) {
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (cert_bio == nullptr || key_bio == nullptr) {
    return OpenSslError("BIO_new");
  }
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1) {
    return OpenSslError("writing the certificate PEM");
  }
  if (PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("writing the key PEM");
  }
  return PemPair{BioContents(cert_bio.get()), BioContents(key_bio.get())};
}

// A CA: its certificate, key and PEMs.
struct Authority {
  X509Ptr cert;
  PkeyPtr key;
  PemPair pem;
};

absl::StatusOr<Authority> MakeCa(std::string_view common_name) {
  auto key = NewP256Key();
  if (!key.ok()) return key.status();
  auto cert = Issue(common_name, key->get(), nullptr, key->get(),
                    {{NID_basic_constraints, "critical,CA:TRUE"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"}});
  if (!cert.ok()) return cert.status();
  auto pem = ToPem(cert->get(), key->get());
  if (!pem.ok()) return pem.status();
  return Authority{*std::move(cert), *std::move(key), *std::move(pem)};
}

absl::StatusOr<PemPair> MakeLeaf(const Authority& ca,
                                 std::string_view common_name,
                                 std::initializer_list<Extension> extensions) {
  auto key = NewP256Key();
  if (!key.ok()) return key.status();
  auto cert =
      Issue(common_name, key->get(), ca.cert.get(), ca.key.get(), extensions);
  if (!cert.ok()) return cert.status();
  return ToPem(cert->get(), key->get());
}

absl::Status WriteFile(const std::filesystem::path& path,
                       const std::string& contents, bool secret) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return absl::InternalError(absl::StrCat("cannot create ", path.string()));
  // Restricted before the key is written.
  if (secret && ::chmod(path.c_str(), 0600) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot chmod 0600 ", path.string()));
  }
  out << contents;
  out.close();
  if (!out)
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(std::string_view client_cn) {
  // Leaves OpenSSL's per-thread error queue clean for the caller.
  ERR_clear_error();
  TestPki pki;

  auto ca = MakeCa("enterprise-catalog test CA");
  if (!ca.ok()) return ca.status();
  pki.ca = ca->pem;
  auto server =
      MakeLeaf(*ca, "localhost",
               {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, "serverAuth"},
                {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"}});
  if (!server.ok()) return server.status();
  pki.server = *std::move(server);
  const std::initializer_list<Extension> client_extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "clientAuth"}};
  auto client = MakeLeaf(*ca, client_cn, client_extensions);
  if (!client.ok()) return client.status();
  pki.client = *std::move(client);

  auto other_ca = MakeCa("enterprise-catalog other test CA");
  if (!other_ca.ok()) return other_ca.status();
  pki.other_ca = other_ca->pem;
  auto other_client = MakeLeaf(*other_ca, client_cn, client_extensions);
  if (!other_client.ok()) return other_client.status();
  pki.other_client = *std::move(other_client);
  return pki;
}

absl::Status WriteTestPki(const TestPki& pki, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create directory ", dir, ": ", error.message()));
  }
  const std::filesystem::path base(dir);
  const struct {
    const char* name;
    const std::string* contents;
    bool secret;
  } files[] = {
      {"ca.pem", &pki.ca.cert_pem, false},
      {"ca.key", &pki.ca.key_pem, true},
      {"server.pem", &pki.server.cert_pem, false},
      {"server.key", &pki.server.key_pem, true},
      {"client.pem", &pki.client.cert_pem, false},
      {"client.key", &pki.client.key_pem, true},
      {"other-ca.pem", &pki.other_ca.cert_pem, false},
      {"other-client.pem", &pki.other_client.cert_pem, false},
      {"other-client.key", &pki.other_client.key_pem, true},
  };
  for (const auto& file : files) {
    if (absl::Status s =
            WriteFile(base / file.name, *file.contents, file.secret);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace ec::testing
