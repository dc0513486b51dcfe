#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ec::common {

// Opaque keyset-pagination tokens. A token carries the position after which
// the next page starts, bound to a `scope`: a string the caller builds from
// everything that defines the result set (RPC name, catalog uuid, filters,
// the caller's enterprises). The binding is an HMAC-SHA256 under a server
// secret, so a caller cannot mint or alter a token: one issued for another
// catalog, filter or enterprise scope, or edited by hand, is refused.
class PageTokenCodec {
 public:
  // `secret` must be shared by every replica that serves the same clients
  // (a token from one must page on another). At least 16 bytes.
  explicit PageTokenCodec(std::string secret);

  // A codec with a random secret: tokens are valid only within this process.
  static PageTokenCodec WithRandomSecret();

  std::string Encode(std::string_view scope, std::string_view position) const;

  // Returns the position. INVALID_ARGUMENT for malformed or forged tokens,
  // tokens longer than kMaxPageTokenBytes, or a scope mismatch (the messages
  // do not say which, so probing teaches nothing).
  absl::StatusOr<std::string> Decode(std::string_view token,
                                     std::string_view scope) const;

 private:
  std::string Mac(std::string_view scope, std::string_view position) const;

  std::string secret_;
};

}  // namespace ec::common
