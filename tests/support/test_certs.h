#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ec::testing {

// A certificate and its private key, both PEM (the key as unencrypted
// PKCS#8, "BEGIN PRIVATE KEY").
struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};

// Throwaway TLS material for tests: EC P-256 keys, SHA-256 signatures, random
// serials, valid from an hour ago to a day from now. Never use it outside
// tests: the keys are written unencrypted.
struct TestPki {
  // Self-signed CA (basicConstraints critical CA:TRUE, keyCertSign).
  PemPair ca;
  // Signed by `ca`: CN=localhost, SAN DNS:localhost and IP:127.0.0.1,
  // extendedKeyUsage serverAuth.
  PemPair server;
  // Signed by `ca`: CN=<client_cn>, extendedKeyUsage clientAuth.
  PemPair client;
  // A CA unrelated to `ca` ...
  PemPair other_ca;
  // ... and a client certificate it signed (same CN as `client`), for
  // "signed by the wrong CA" tests.
  PemPair other_client;
};

// Generates a fresh TestPki with the OpenSSL API. INTERNAL (with OpenSSL's
// error queue in the message) if OpenSSL fails.
absl::StatusOr<TestPki> MakeTestPki(std::string_view client_cn = "test-client");

// Writes the PEMs of `pki` into directory `dir` (created if missing) as
// ca.pem, ca.key, server.pem, server.key, client.pem, client.key,
// other-ca.pem, other-client.pem and other-client.key. Key files are mode
// 0600. INTERNAL if a file cannot be written.
absl::Status WriteTestPki(const TestPki& pki, const std::string& dir);

}  // namespace ec::testing
