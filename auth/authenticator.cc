#include "auth/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace ec::auth {

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(
    const AuthConfig& config, common::Clock clock) {
  if (config.disabled) {
    return std::unique_ptr<Authenticator>(new Authenticator(nullptr));
  }
  auto verifier = JwtVerifier::Create(config.jwt, std::move(clock));
  if (!verifier.ok()) return verifier.status();
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(*verifier)));
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    std::optional<std::string_view> header) const {
  if (verifier_ == nullptr) return Principal::Unrestricted("auth-disabled");
  if (!header) {
    return absl::UnauthenticatedError(
        "this call needs a token: send the metadata \"authorization: JWT "
        "<token>\" (or \"Bearer <token>\")");
  }
  absl::string_view value(header->data(), header->size());
  const size_t space = value.find(' ');
  const absl::string_view scheme = value.substr(0, space);
  if (space == absl::string_view::npos ||
      !(absl::EqualsIgnoreCase(scheme, "JWT") ||
        absl::EqualsIgnoreCase(scheme, "Bearer"))) {
    return absl::UnauthenticatedError(
        "authorization metadata must be \"JWT <token>\" or \"Bearer "
        "<token>\"");
  }
  const absl::string_view token =
      absl::StripAsciiWhitespace(value.substr(space + 1));
  auto verified =
      verifier_->Verify(std::string_view(token.data(), token.size()));
  if (!verified.ok()) return verified.status();
  return Principal::FromRoles(std::move(verified->subject),
                              std::move(verified->roles));
}

}  // namespace ec::auth
