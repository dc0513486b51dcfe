#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ec::domain {

// Python 3.12's urllib.parse, as far as the URLs Django builds per catalog
// item need it (django-rules.md §5, §6). Text is UTF-8 in and out.

// urlsplit's five parts.
struct UrlParts {
  std::string scheme;  // lower-cased, as urlsplit returns it
  std::string netloc;
  std::string path;
  std::string query;
  std::string fragment;
};

// urlsplit(url): leading C0 controls and spaces are stripped and every tab,
// CR and LF removed (Python's WHATWG clean-up); the scheme is the text before
// the first ':' when it starts with an ASCII letter and holds only letters,
// digits, '+', '-' and '.'; the netloc follows a "//" up to the first '/',
// '?' or '#'; then the fragment after the first '#' and the query after the
// first '?'. Python raises ValueError for an unbalanced '[' or ']' in the
// netloc and for a non-ASCII netloc that NFKC changes into one with a
// separator; this keeps such netlocs verbatim instead (never throws).
UrlParts PythonUrlSplit(std::string_view url);

// urlunsplit(parts) (3.12.4+): "//netloc" is written when the netloc is
// non-empty, when the path starts with "//", or for a scheme that uses a
// netloc (http, https, ...) with an empty or absolute path; an empty query
// or fragment drops its '?' or '#'.
std::string PythonUrlUnsplit(const UrlParts& parts);

// quote_plus(text): UTF-8 bytes other than A-Z a-z 0-9 _ . - ~ become %XX
// (upper-case hex), and a space becomes '+'.
std::string PythonQuotePlus(std::string_view text);

// unquote_plus(text) with errors='replace': '+' is a space, %XX (either
// case) a byte; each run of ASCII is decoded as UTF-8 on its own, an invalid
// or truncated sequence becoming one U+FFFD per maximal subpart, as Python's
// decoder does; a '%' not followed by two hex digits stays.
std::string PythonUnquotePlus(std::string_view text);

// parse_qs(query): fields split on '&' only; a field without '=' or with an
// empty value is dropped (keep_blank_values=False); names and values are
// unquote_plus'ed. Names in first-seen order (Python's dict), each with its
// values in order.
using QueryValues =
    std::vector<std::pair<std::string, std::vector<std::string>>>;
QueryValues PythonParseQs(std::string_view query);

// quote_plus(text) appended to `out`.
void AppendQuotePlus(std::string_view text, std::string& out);

// True when urlunsplit(urlsplit(url)) is `url` with an empty query and no
// fragment, so that updating its query is appending one: a lower-case http
// or https scheme and "//", and only bytes urlsplit neither strips nor
// splits on (0x21-0x7E but '?' and '#'). Every URL the per-catalog fields
// build from sane settings and keys is one; the rest take the general path.
bool SplitsToItself(std::string_view url);

// Django's api/v1/utils.py update_query_parameters(url, params): urlsplit,
// parse_qs of the query, dict.update with `params` (a later duplicate name
// wins, a new name replaces every old value of it), then
// urlencode(sorted(items), doseq=True) and urlunsplit. So every parameter,
// old and new, comes out sorted by name (code point order), quote_plus'ed
// (':' -> %3A, '+' -> %2B, ' ' -> '+'), and blank old values are gone. The
// path and fragment are not re-encoded: keys with '+' or ':' stay raw.
std::string UpdateQueryParameters(
    std::string_view url,
    const std::vector<std::pair<std::string, std::string>>& params);

// urljoin(base, ref) for the one shape Django joins, a `ref` that starts
// with a single '/' (an absolute path, with an optional query and fragment):
// the base's scheme and netloc with `ref`, so any path, query or fragment of
// the base is dropped. An empty base, or a base whose scheme urljoin does not
// treat as relative (mailto:, ...), gives `ref` unchanged, as Python does.
// Python would also remove "." and ".." segments of ref's path; Django's
// fixed paths have none, so this does not.
std::string UrlJoin(std::string_view base, std::string_view ref);

}  // namespace ec::domain
