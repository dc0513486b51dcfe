#include "tools/discovery_stub/pyrepr.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "domain/canonical_json.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

// repr() of a str: single quotes unless the text holds a single quote and no
// double quote; backslash, the quote and control characters escaped.
std::string PyStringRepr(std::string_view text) {
  const bool use_double = text.find('\'') != std::string_view::npos &&
                          text.find('"') == std::string_view::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back(quote);
  return out;
}

std::string PyRepr(const nlohmann::ordered_json& value) {
  if (value.is_string())
    return PyStringRepr(value.get_ref<const std::string&>());
  if (value.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& element : value) {
      if (!first) out += ", ";
      first = false;
      out += PyRepr(element);
    }
    return out + "]";
  }
  if (value.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += ", ";
      first = false;
      Append(&out, PyStringRepr(key), ": ", PyRepr(member));
    }
    return out + "}";
  }
  return PyStr(value);
}

}  // namespace

std::string PyFloatRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  std::string out;
  domain::AppendPythonFloat(value, out);
  return out;
}

std::string PyStr(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::string:
      return value.get<std::string>();
    case nlohmann::ordered_json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case nlohmann::ordered_json::value_t::null:
      return "None";
    case nlohmann::ordered_json::value_t::number_integer:
      return Cat(value.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned:
      return Cat(value.get<uint64_t>());
    case nlohmann::ordered_json::value_t::number_float:
      return PyFloatRepr(value.get<double>());
    default:
      return PyRepr(value);
  }
}

}  // namespace ec::stub
