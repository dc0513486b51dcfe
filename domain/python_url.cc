#include "domain/python_url.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ec::domain {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// urllib.parse.uses_netloc and uses_relative (Python 3.12).
constexpr std::string_view kUsesNetloc[] = {
    "",     "ftp",   "http",    "gopher", "nntp",  "telnet",       "imap",
    "wais", "file",  "mms",     "https",  "shttp", "snews",        "prospero",
    "rtsp", "rtsps", "rtspu",   "rsync",  "svn",   "svn+ssh",      "sftp",
    "nfs",  "git",   "git+ssh", "ws",     "wss",   "itms-services"};
constexpr std::string_view kUsesRelative[] = {
    "",      "ftp",   "http",  "gopher",  "nntp",     "imap", "wais",
    "file",  "https", "shttp", "mms",     "prospero", "rtsp", "rtsps",
    "rtspu", "sftp",  "svn",   "svn+ssh", "ws",       "wss"};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsSchemeChar(char c) {
  return IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytes.decode('utf-8', 'replace'): one U+FFFD per maximal invalid subpart
// (the Unicode "best practice" CPython follows).
void AppendUtf8Replacing(std::string_view bytes, std::string& out) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(bytes[i]);
      ++i;
      continue;
    }
    int trail = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      trail = 1;
    } else if (lead == 0xE0) {
      trail = 2;
      low = 0xA0;
    } else if (lead == 0xED) {
      trail = 2;
      high = 0x9F;
    } else if (lead >= 0xE1 && lead <= 0xEF) {
      trail = 2;
    } else if (lead == 0xF0) {
      trail = 3;
      low = 0x90;
    } else if (lead == 0xF4) {
      trail = 3;
      high = 0x8F;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      trail = 3;
    } else {
      out.append(kReplacementChar);
      ++i;
      continue;
    }
    size_t j = i + 1;
    bool valid = true;
    for (int k = 0; k < trail; ++k, ++j) {
      const unsigned char lo = k == 0 ? low : 0x80;
      const unsigned char hi = k == 0 ? high : 0xBF;
      if (j >= bytes.size() || static_cast<unsigned char>(bytes[j]) < lo ||
          static_cast<unsigned char>(bytes[j]) > hi) {
        valid = false;
        break;
      }
    }
    if (valid) {
      out.append(bytes.substr(i, j - i));
    } else {
      out.append(kReplacementChar);
    }
    // On failure `j` is the first byte that did not fit: it starts the next
    // sequence.
    i = j;
  }
}

// Python's unquote of one ASCII run: %XX to bytes, then UTF-8 decoding.
void AppendUnquotedAsciiRun(std::string_view run, std::string& out) {
  std::string bytes;
  bytes.reserve(run.size());
  for (size_t i = 0; i < run.size(); ++i) {
    if (run[i] == '%' && i + 2 < run.size() && HexValue(run[i + 1]) >= 0 &&
        HexValue(run[i + 2]) >= 0) {
      bytes.push_back(
          static_cast<char>(HexValue(run[i + 1]) * 16 + HexValue(run[i + 2])));
      i += 2;
    } else {
      bytes.push_back(run[i]);
    }
  }
  AppendUtf8Replacing(bytes, out);
}

}  // namespace

UrlParts PythonUrlSplit(std::string_view url) {
  // WHATWG clean-up: strip leading C0 controls and spaces, drop tab/CR/LF.
  size_t start = 0;
  while (start < url.size() && static_cast<unsigned char>(url[start]) <= 0x20) {
    ++start;
  }
  std::string rest;
  rest.reserve(url.size() - start);
  for (size_t i = start; i < url.size(); ++i) {
    if (url[i] != '\t' && url[i] != '\r' && url[i] != '\n')
      rest.push_back(url[i]);
  }

  UrlParts parts;
  const size_t colon = rest.find(':');
  if (colon != std::string::npos && colon > 0 && IsAsciiAlpha(rest[0]) &&
      std::all_of(rest.begin(),
                  rest.begin() + static_cast<std::ptrdiff_t>(colon),
                  IsSchemeChar)) {
    parts.scheme = rest.substr(0, colon);
    for (char& c : parts.scheme) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    rest.erase(0, colon + 1);
  }
  if (rest.compare(0, 2, "//") == 0) {
    const size_t end = rest.find_first_of("/?#", 2);
    const size_t netloc_end = end == std::string::npos ? rest.size() : end;
    parts.netloc = rest.substr(2, netloc_end - 2);
    rest.erase(0, netloc_end);
  }
  if (const size_t hash = rest.find('#'); hash != std::string::npos) {
    parts.fragment = rest.substr(hash + 1);
    rest.resize(hash);
  }
  if (const size_t question = rest.find('?'); question != std::string::npos) {
    parts.query = rest.substr(question + 1);
    rest.resize(question);
  }
  parts.path = std::move(rest);
  return parts;
}

std::string PythonUrlUnsplit(const UrlParts& parts) {
  std::string url = parts.path;
  if (!parts.netloc.empty()) {
    if (!url.empty() && url[0] != '/') url.insert(0, "/");
    url = absl::StrCat("//", parts.netloc, url);
  } else if (url.compare(0, 2, "//") == 0) {
    url.insert(0, "//");
  } else if (!parts.scheme.empty() && Contains(kUsesNetloc, parts.scheme) &&
             (url.empty() || url[0] == '/')) {
    url.insert(0, "//");
  }
  if (!parts.scheme.empty()) url = absl::StrCat(parts.scheme, ":", url);
  if (!parts.query.empty()) absl::StrAppend(&url, "?", parts.query);
  if (!parts.fragment.empty()) absl::StrAppend(&url, "#", parts.fragment);
  return url;
}

void AppendQuotePlus(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
        c == '-' || c == '~') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
}

bool SplitsToItself(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return false;
  }
  return std::all_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x21 && byte <= 0x7E && c != '?' && c != '#';
  });
}

std::string PythonQuotePlus(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendQuotePlus(text, out);
  return out;
}

std::string PythonUnquotePlus(std::string_view text) {
  std::string spaced(text);
  std::replace(spaced.begin(), spaced.end(), '+', ' ');
  std::string out;
  out.reserve(spaced.size());
  size_t i = 0;
  while (i < spaced.size()) {
    size_t j = i;
    const bool ascii = static_cast<unsigned char>(spaced[i]) < 0x80;
    while (j < spaced.size() &&
           (static_cast<unsigned char>(spaced[j]) < 0x80) == ascii) {
      ++j;
    }
    const std::string_view run = std::string_view(spaced).substr(i, j - i);
    if (ascii) {
      AppendUnquotedAsciiRun(run, out);
    } else {
      // Python keeps non-ASCII characters as they are; decoding them again
      // only guarantees valid UTF-8 out for invalid UTF-8 in.
      AppendUtf8Replacing(run, out);
    }
    i = j;
  }
  return out;
}

QueryValues PythonParseQs(std::string_view query) {
  QueryValues result;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view field = query.substr(pos, amp - pos);
    pos = amp + 1;
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos || eq + 1 == field.size()) continue;
    std::string name = PythonUnquotePlus(field.substr(0, eq));
    std::string value = PythonUnquotePlus(field.substr(eq + 1));
    auto it =
        std::find_if(result.begin(), result.end(),
                     [&](const auto& entry) { return entry.first == name; });
    if (it == result.end()) {
      result.emplace_back(std::move(name), std::vector<std::string>{});
      it = std::prev(result.end());
    }
    it->second.push_back(std::move(value));
  }
  return result;
}

std::string UpdateQueryParameters(
    std::string_view url,
    const std::vector<std::pair<std::string, std::string>>& params) {
  if (SplitsToItself(url)) {
    // No query to merge: the parameters, the last of each name, sorted by
    // name, appended. The per-catalog fields build several URLs per item,
    // so this path copies nothing but the result.
    std::vector<const std::pair<std::string, std::string>*> sorted;
    sorted.reserve(params.size());
    for (const auto& param : params) sorted.push_back(&param);
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const auto* a, const auto* b) { return a->first < b->first; });
    std::string out;
    out.reserve(url.size() + 128);
    out.append(url);
    for (size_t k = 0; k < sorted.size(); ++k) {
      // Equal names are adjacent, in order: the last one's value wins.
      if (k + 1 < sorted.size() && sorted[k + 1]->first == sorted[k]->first) {
        continue;
      }
      out.push_back(out.size() == url.size() ? '?' : '&');
      AppendQuotePlus(sorted[k]->first, out);
      out.push_back('=');
      AppendQuotePlus(sorted[k]->second, out);
    }
    return out;
  }
  UrlParts parts = PythonUrlSplit(url);
  QueryValues values = PythonParseQs(parts.query);
  for (const auto& [name, value] : params) {
    auto it = std::find_if(
        values.begin(), values.end(),
        [&name = name](const auto& entry) { return entry.first == name; });
    if (it == values.end()) {
      values.emplace_back(name, std::vector<std::string>{value});
    } else {
      it->second = {value};
    }
  }
  // Names are unique, so Python's sort of (name, values) tuples is by name;
  // std::string compares bytes unsigned, which is code point order in UTF-8.
  std::stable_sort(
      values.begin(), values.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string query;
  for (const auto& [name, list] : values) {
    for (const std::string& value : list) {
      if (!query.empty()) query.push_back('&');
      AppendQuotePlus(name, query);
      query.push_back('=');
      AppendQuotePlus(value, query);
    }
  }
  parts.query = std::move(query);
  return PythonUrlUnsplit(parts);
}

std::string UrlJoin(std::string_view base, std::string_view ref) {
  if (base.empty()) return std::string(ref);
  if (ref.empty()) return std::string(base);
  const UrlParts base_parts = PythonUrlSplit(base);
  if (!Contains(kUsesRelative, base_parts.scheme)) return std::string(ref);
  UrlParts joined = PythonUrlSplit(ref);
  if (!joined.scheme.empty() && joined.scheme != base_parts.scheme) {
    return std::string(ref);
  }
  joined.scheme = base_parts.scheme;
  if (joined.netloc.empty()) joined.netloc = base_parts.netloc;
  return PythonUrlUnsplit(joined);
}

}  // namespace ec::domain
