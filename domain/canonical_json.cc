#include "domain/canonical_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/limits.h"

namespace ec::domain {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// Beyond 2^53 not every integer is representable as a double, so the value
// cannot have started life as an exact JSON integer we could reproduce.
constexpr double kMaxExactInteger = 9007199254740992.0;

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendHex4(uint32_t unit, std::string& out) {
  out += "\\u";
  out += kHexDigits[(unit >> 12) & 0xf];
  out += kHexDigits[(unit >> 8) & 0xf];
  out += kHexDigits[(unit >> 4) & 0xf];
  out += kHexDigits[unit & 0xf];
}

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Decodes the UTF-8 sequence starting at `text[pos]`, advancing `pos`.
// Rejects overlong forms, surrogates and code points above U+10FFFF, all of
// which Python would refuse to decode.
bool DecodeUtf8(std::string_view text, size_t& pos, uint32_t& code_point) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(pos);
  size_t length;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xbf;
  if (lead < 0x80) {
    code_point = lead;
    ++pos;
    return true;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0f;
    if (lead == 0xe0) min_second = 0xa0;
    if (lead == 0xed) max_second = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xf0) min_second = 0x90;
    if (lead == 0xf4) max_second = 0x8f;
  } else {
    return false;
  }
  if (text.size() - pos < length) return false;
  const unsigned char second = byte(pos + 1);
  if (second < min_second || second > max_second) return false;
  for (size_t i = 1; i < length; ++i) {
    if (!IsContinuation(byte(pos + i))) return false;
    code_point = (code_point << 6) | (byte(pos + i) & 0x3f);
  }
  pos += length;
  return true;
}

class PythonJsonWriter {
 public:
  // `subject` names the value in error messages ("content_filter").
  PythonJsonWriter(const char* subject, int max_depth)
      : subject_(subject), max_depth_(max_depth) {}

  // `depth` is the nesting level a container at this position would have.
  absl::Status WriteValue(const Value& value, int depth) {
    switch (value.kind_case()) {
      case Value::kNullValue:
      case Value::KIND_NOT_SET:
        out_ += "null";
        return absl::OkStatus();
      case Value::kBoolValue:
        out_ += value.bool_value() ? "true" : "false";
        return absl::OkStatus();
      case Value::kNumberValue:
        return WriteNumber(value.number_value());
      case Value::kStringValue:
        return WriteString(value.string_value());
      case Value::kStructValue:
        return WriteStruct(value.struct_value(), depth);
      case Value::kListValue:
        return WriteList(value.list_value(), depth);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(subject_, " contains a value of unknown kind"));
  }

  absl::Status WriteStruct(const Struct& object, int depth) {
    if (absl::Status status = CheckDepth(depth); !status.ok()) return status;
    using Entry = google::protobuf::Map<std::string, Value>::value_type;
    std::vector<const Entry*> entries;
    entries.reserve(object.fields().size());
    for (const Entry& entry : object.fields()) entries.push_back(&entry);
    // std::string compares bytes as unsigned char, and UTF-8 byte order is
    // code point order, which is what Python's sort_keys uses.
    std::sort(
        entries.begin(), entries.end(),
        [](const Entry* a, const Entry* b) { return a->first < b->first; });
    out_ += '{';
    bool first = true;
    for (const Entry* entry : entries) {
      if (!first) out_ += ", ";
      first = false;
      if (absl::Status status = WriteString(entry->first); !status.ok()) {
        return status;
      }
      out_ += ": ";
      if (absl::Status status = WriteValue(entry->second, depth + 1);
          !status.ok()) {
        return status;
      }
    }
    out_ += '}';
    return absl::OkStatus();
  }

  absl::Status WriteList(const ListValue& list, int depth) {
    if (absl::Status status = CheckDepth(depth); !status.ok()) return status;
    out_ += '[';
    bool first = true;
    for (const Value& element : list.values()) {
      if (!first) out_ += ", ";
      first = false;
      if (absl::Status status = WriteValue(element, depth + 1); !status.ok()) {
        return status;
      }
    }
    out_ += ']';
    return absl::OkStatus();
  }

  std::string Release() { return std::move(out_); }

 private:
  absl::Status CheckDepth(int depth) const {
    if (depth > max_depth_) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject_, " nests deeper than ", max_depth_, " levels"));
    }
    return absl::OkStatus();
  }

  absl::Status WriteNumber(double number) {
    if (!std::isfinite(number)) {
      return absl::InvalidArgumentError(absl::StrCat(
          subject_, " contains NaN or Infinity, which JSON cannot represent"));
    }
    if (std::trunc(number) == number && std::fabs(number) <= kMaxExactInteger) {
      // The cast also turns -0.0 into 0, as Python prints the int.
      absl::StrAppend(&out_, static_cast<int64_t>(number));
      return absl::OkStatus();
    }
    AppendPythonFloat(number, out_);
    return absl::OkStatus();
  }

  // Python's ensure_ascii escaping.
  absl::Status WriteString(std::string_view text) {
    out_ += '"';
    size_t pos = 0;
    while (pos < text.size()) {
      uint32_t code_point;
      if (!DecodeUtf8(text, pos, code_point)) {
        return absl::InvalidArgumentError(absl::StrCat(
            subject_, " contains a string that is not valid UTF-8"));
      }
      switch (code_point) {
        case 0:
          return absl::InvalidArgumentError(absl::StrCat(
              subject_, " contains a NUL character, which cannot be stored"));
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        default:
          if (code_point >= 0x20 && code_point <= 0x7e) {
            out_ += static_cast<char>(code_point);
          } else if (code_point < 0x10000) {
            AppendHex4(code_point, out_);
          } else {
            const uint32_t offset = code_point - 0x10000;
            AppendHex4(0xd800 | (offset >> 10), out_);
            AppendHex4(0xdc00 | (offset & 0x3ff), out_);
          }
      }
    }
    out_ += '"';
    return absl::OkStatus();
  }

  const char* subject_;
  int max_depth_;
  std::string out_;
};

}  // namespace

void AppendPythonFloat(double number, std::string& out) {
  char buffer[64];
  const std::to_chars_result result = std::to_chars(
      buffer, buffer + sizeof(buffer), number, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  if (!text.empty() && text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const size_t e_pos = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  const std::string_view exponent_text = text.substr(e_pos + 1);
  const char* exponent_begin = exponent_text.data();
  if (!exponent_text.empty() && exponent_text.front() == '+') ++exponent_begin;
  std::from_chars(exponent_begin, exponent_text.data() + exponent_text.size(),
                  exponent);

  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exponent < 0 ? "e-" : "e+";
    const int magnitude = std::abs(exponent);
    if (magnitude < 10) out += '0';
    absl::StrAppend(&out, magnitude);
    return;
  }
  // Number of digits before the decimal point.
  const int point = exponent + 1;
  const int digit_count = static_cast<int>(digits.size());
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point >= digit_count) {
    out += digits;
    out.append(static_cast<size_t>(point - digit_count), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(point));
    out += '.';
    out.append(digits, static_cast<size_t>(point));
  }
}

absl::StatusOr<std::string> PythonJsonDumps(
    const google::protobuf::Value& value, int max_depth) {
  PythonJsonWriter writer("value", max_depth);
  if (absl::Status status = writer.WriteValue(value, 1); !status.ok()) {
    return status;
  }
  return writer.Release();
}

absl::StatusOr<CanonicalFilter> CanonicalizeFilter(
    const google::protobuf::Struct& filter) {
  PythonJsonWriter writer("content_filter", common::kMaxFilterDepth);
  if (absl::Status status = writer.WriteStruct(filter, 1); !status.ok()) {
    return status;
  }
  CanonicalFilter result;
  result.json = writer.Release();
  if (result.json.size() > common::kMaxFilterBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "content_filter is ", result.json.size(),
        " bytes once canonicalized; the limit is ", common::kMaxFilterBytes,
        " bytes (", common::kMaxFilterBytes / 1024, " KiB)"));
  }
  result.hash = Md5Hex(result.json);
  if (result.hash.empty()) {
    return absl::InternalError(
        "md5 is unavailable in this OpenSSL configuration; content_filter "
        "hashes cannot be computed");
  }
  return result;
}

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // EVP_Digest fails only on allocation failure or when the OpenSSL
  // configuration offers no md5 (FIPS-only); callers treat "" as an error.
  if (EVP_Digest(data.data(), data.size(), digest, &digest_size, EVP_md5(),
                 nullptr) != 1) {
    return std::string();
  }
  // Debian's Abseil keeps its own string_view type, hence the explicit
  // absl::string_view.
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_size));
}

}  // namespace ec::domain
