#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "tools/discovery_stub/text.h"

namespace ec::stub {

// SplitMix64: tiny, fast and fully specified, so a seed means the same
// dataset (and the same fault draws) with any standard library; no
// std::*_distribution is used for the same reason.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  int Int(int lo, int hi) { return static_cast<int>(Range(lo, hi)); }
  // Uniform in [0, 1), from the top 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  // Index drawn with the given integer weights.
  template <typename T, size_t N, typename F>
  size_t Weighted(const T (&items)[N], F weight) {
    int total = 0;
    for (const T& item : items) total += weight(item);
    int64_t r = Range(0, total - 1);
    for (size_t i = 0; i < N; ++i) {
      r -= weight(items[i]);
      if (r < 0) return i;
    }
    return N - 1;
  }
  // Picks from {value, weight} pairs.
  std::string_view Choice(
      std::initializer_list<std::pair<std::string_view, int>> choices) {
    int total = 0;
    for (const auto& c : choices) total += c.second;
    int64_t r = Range(0, total - 1);
    for (const auto& c : choices) {
      r -= c.second;
      if (r < 0) return c.first;
    }
    return choices.begin()->first;
  }

  std::string Hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    uint64_t bits = 0;
    for (int i = 0; i < digits; ++i) {
      if (i % 16 == 0) bits = Next();
      out.push_back(kHex[bits & 15]);
      bits >>= 4;
    }
    return out;
  }
  std::string HexUpper(int digits) {
    std::string out = Hex(digits);
    for (char& c : out) {
      if (c >= 'a') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }
  std::string Uuid() {
    std::string h = Hex(32);
    h[12] = '4';
    h[16] = "89ab"[Below(4)];
    return Cat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-",
               h.substr(16, 4), "-", h.substr(20));
  }

 private:
  uint64_t state_;
};

}  // namespace ec::stub
