#include "tools/discovery_stub/json_writer.h"

#include <cstdio>

#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/pyrepr.h"

namespace ec::stub {

JsonWriter& JsonWriter::Float(double value) {
  Sep();
  s_.append(PyFloatRepr(value));
  return *this;
}

JsonWriter& JsonWriter::Date(const std::optional<int64_t>& t) {
  return t ? Str(FormatDate(*t)) : Null();
}

void JsonWriter::AppendQuoted(std::string_view value) {
  s_.push_back('"');
  for (const char c : value) {
    switch (c) {
      case '"':
        s_.append("\\\"");
        break;
      case '\\':
        s_.append("\\\\");
        break;
      case '\n':
        s_.append("\\n");
        break;
      case '\r':
        s_.append("\\r");
        break;
      case '\t':
        s_.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          s_.append(buf);
        } else {
          s_.push_back(c);
        }
    }
  }
  s_.push_back('"');
}

std::vector<std::string> SplitAtMarkers(const std::string& text) {
  std::vector<std::string> parts(1);
  for (const char c : text) {
    if (c == kPartMarker) {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

}  // namespace ec::stub
