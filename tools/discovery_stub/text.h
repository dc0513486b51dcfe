#pragma once

// String helpers over std::string_view. Debian's Abseil is built with its
// own absl::string_view, so absl::StrCat and friends do not take
// std::string_view arguments.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace ec::stub {

// The pieces Cat and Append accept, one overload per type.
inline void AppendTextPiece(std::string* out, std::string_view piece) {
  out->append(piece);
}
inline void AppendTextPiece(std::string* out, const char* piece) {
  out->append(piece);
}
inline void AppendTextPiece(std::string* out, const std::string& piece) {
  out->append(piece);
}
#ifndef ABSL_USES_STD_STRING_VIEW
inline void AppendTextPiece(std::string* out, absl::string_view piece) {
  out->append(piece.data(), piece.size());
}
#endif
template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
         !std::is_same_v<T, char>) void AppendTextPiece(std::string* out,
                                                        T value) {
  out->append(std::to_string(value));
}

// Concatenates strings and integers, like absl::StrCat.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (AppendTextPiece(&out, args), ...);
  return out;
}

template <typename... Args>
void Append(std::string* out, const Args&... args) {
  (AppendTextPiece(out, args), ...);
}

// Splits on every occurrence of `delimiter` (non-empty); keeps empty parts.
inline std::vector<std::string> Split(std::string_view text,
                                      std::string_view delimiter) {
  std::vector<std::string> parts;
  size_t pos = 0;
  for (;;) {
    const size_t hit = text.find(delimiter, pos);
    if (hit == std::string_view::npos) {
      parts.emplace_back(text.substr(pos));
      return parts;
    }
    parts.emplace_back(text.substr(pos, hit - pos));
    pos = hit + delimiter.size();
  }
}

// Python's str.strip(): removes leading and trailing ASCII whitespace.
inline std::string_view Strip(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

inline std::string Join(const std::vector<std::string>& parts,
                        std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(parts[i]);
  }
  return out;
}

}  // namespace ec::stub
