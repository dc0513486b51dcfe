#pragma once

#include <cstdint>
#include <string_view>

// What the fuzz targets share with make_fuzz_seeds, which minted their seed
// corpora: secrets, scope and the fixed clock. Change them and the seeds
// must be made again (see README.md).
namespace ec::fuzz {

// page_token_fuzz
inline constexpr char kPageTokenSecret[] = "fuzz-page-token-secret-0123456789";
inline constexpr std::string_view kPageTokenScope =
    "ListCatalogContent|catalog=7f9c2e1a-3b4d-4e5f-8a6b-1c2d3e4f5a6b";

// jwt_fuzz
inline constexpr char kJwtSecret[] = "fuzz-hs256-secret-0123456789abcdef";
inline constexpr char kJwtIssuer[] = "fuzz-issuer";
inline constexpr char kJwtAudience[] = "fuzz-aud";
inline constexpr int64_t kJwtNowSeconds = 1700000000;  // 2023-11-14T22:13:20Z
inline constexpr int64_t kJwtLeewaySeconds = 30;

}  // namespace ec::fuzz
