#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/discovery_stub/text.h"

namespace ec::stub {

// Where a request-dependent part (or the padding) goes in a pre-rendered
// document; SplitAtMarkers cuts there. Strings escape control characters, so
// the byte never occurs in the JSON itself.
inline constexpr char kPartMarker = '\x01';

// Compact JSON writer: inserts commas itself, so builders read like the
// serializer's field lists.
class JsonWriter {
 public:
  std::string& str() { return s_; }

  JsonWriter& Open() {
    Sep();
    s_.push_back('{');
    return *this;
  }
  JsonWriter& Close() {
    s_.push_back('}');
    return *this;
  }
  JsonWriter& OpenArray() {
    Sep();
    s_.push_back('[');
    return *this;
  }
  JsonWriter& CloseArray() {
    s_.push_back(']');
    return *this;
  }
  JsonWriter& Key(std::string_view key) {
    Sep();
    s_.push_back('"');
    s_.append(key);
    s_.append("\":");
    return *this;
  }
  JsonWriter& Str(std::string_view value) {
    Sep();
    AppendQuoted(value);
    return *this;
  }
  // null for an empty string.
  JsonWriter& StrOrNull(std::string_view value) {
    return value.empty() ? Null() : Str(value);
  }
  JsonWriter& Null() {
    Sep();
    s_.append("null");
    return *this;
  }
  JsonWriter& Bool(bool value) {
    Sep();
    s_.append(value ? "true" : "false");
    return *this;
  }
  JsonWriter& Int(int64_t value) {
    Sep();
    Append(&s_, value);
    return *this;
  }
  // Python's repr() of `value`, as discovery's serializer writes floats.
  JsonWriter& Float(double value);
  JsonWriter& OptInt(const std::optional<int>& value) {
    return value ? Int(*value) : Null();
  }
  // FormatDate of `t`, or null.
  JsonWriter& Date(const std::optional<int64_t>& t);
  JsonWriter& StrArray(const std::vector<std::string>& values) {
    OpenArray();
    for (const auto& v : values) Str(v);
    return CloseArray();
  }
  // Pre-rendered JSON value.
  JsonWriter& Raw(std::string_view json) {
    Sep();
    s_.append(json);
    return *this;
  }
  // Marks where a request-dependent part goes.
  JsonWriter& Marker() {
    s_.push_back(kPartMarker);
    return *this;
  }
  // Text inside a string value that is being written piecewise.
  JsonWriter& Literal(std::string_view text) {
    s_.append(text);
    return *this;
  }

 private:
  // A value or key right after another value needs a comma; after an
  // opening bracket or a key it does not.
  void Sep() {
    if (s_.empty()) return;
    const char last = s_.back();
    if (last != '{' && last != '[' && last != ':') s_.push_back(',');
  }
  void AppendQuoted(std::string_view value);

  std::string s_;
};

// `text` cut at every kPartMarker (one more part than markers).
std::vector<std::string> SplitAtMarkers(const std::string& text);

}  // namespace ec::stub
