#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// A property a fuzz target asserts. On violation it prints what broke and
// aborts, which libFuzzer reports as a crash (with the input saved as
// crash-<sha1>), exactly like a sanitizer finding.
#define EC_FUZZ_CHECK(condition, what)                                        \
  do {                                                                        \
    if (!(condition)) ::ec::fuzz::Fail(__FILE__, __LINE__, #condition, what); \
  } while (0)

namespace ec::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              std::string_view what) {
  std::fprintf(stderr,
               "\n==FUZZ PROPERTY VIOLATED== %s:%d: %.*s\n  check: %s\n", file,
               line, static_cast<int>(what.size()), what.data(), condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace ec::fuzz
