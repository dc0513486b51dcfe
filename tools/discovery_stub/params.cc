#include "tools/discovery_stub/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/pyrepr.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// unquote_plus(): malformed escapes are kept literally, as Python does.
std::string UnquotePlus(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// One body value as urlencode(doseq=True) expands it.
void AppendBodyValue(const std::string& key,
                     const nlohmann::ordered_json& value, QueryParams* params) {
  if (value.is_string()) {
    params->Append(key, value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& element : value) params->Append(key, PyStr(element));
  } else if (value.is_object()) {
    // Iterating a Python dict yields its keys.
    for (const auto& [member, unused] : value.items()) {
      params->Append(key, member);
    }
  } else {
    params->Append(key, PyStr(value));
  }
}

}  // namespace

void QueryParams::Append(std::string key, std::string value) {
  items_.emplace_back(std::move(key), std::move(value));
}

void QueryParams::Set(std::string_view key, std::string value) {
  Remove(key);
  items_.emplace_back(std::string(key), std::move(value));
}

void QueryParams::Remove(std::string_view key) {
  std::erase_if(items_, [&](const Item& item) { return item.first == key; });
}

const std::string* QueryParams::Get(std::string_view key) const {
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

std::vector<std::string_view> QueryParams::GetList(std::string_view key) const {
  std::vector<std::string_view> values;
  for (const auto& [k, v] : items_) {
    if (k == key) values.push_back(v);
  }
  return values;
}

QueryParams ParseQueryString(std::string_view query) {
  QueryParams params;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view part = query.substr(pos, amp - pos);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        params.Append(UnquotePlus(part), "");
      } else {
        params.Append(UnquotePlus(part.substr(0, eq)),
                      UnquotePlus(part.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return params;
}

std::string QuotePlus(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
        (u >= '0' && u <= '9') || u == '_' || u == '.' || u == '-' ||
        u == '~') {
      out.push_back(c);
    } else if (u == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string EncodeSorted(const QueryParams& params) {
  std::vector<QueryParams::Item> items = params.items();
  std::stable_sort(
      items.begin(), items.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, value] : items) {
    if (!out.empty()) out.push_back('&');
    Append(&out, QuotePlus(key), "=", QuotePlus(value));
  }
  return out;
}

absl::Status MergeJsonBody(std::string_view body, QueryParams* params) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return absl::OkStatus();
  }
  // Ordered, so parameters keep the body's key order as a Python dict does.
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError("JSON parse error");
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  for (const auto& [key, value] : json.items()) {
    if (value.is_array() && value.size() == 1) {
      AppendBodyValue(key, value[0], params);
    } else {
      AppendBodyValue(key, value, params);
    }
  }
  return absl::OkStatus();
}

}  // namespace ec::stub
