#pragma once

#include <string>
#include <string_view>

namespace ec::domain {

// Django 5.2's django.utils.text.slugify(text) with allow_unicode=False, the
// utm_source of every enrollment and marketing URL (django-rules.md §5):
//
//  1. NFKD (ICU's tables, Unicode 15 like Python 3.12's unicodedata), then
//     every non-ASCII code point dropped: "é" -> "e", "ﬁ" -> "fi", while
//     "ß" and "Ł" have no decomposition and vanish;
//  2. ASCII lower case, and every character that is not a word character
//     ([A-Za-z0-9_]), Python whitespace or '-' removed;
//  3. each run of '-' and whitespace becomes one '-';
//  4. leading and trailing '-' and '_' stripped.
//
// Python's \s also matches \x1c-\x1f (str.isspace), so those separate words
// like a space does. Invalid UTF-8 (which callers refuse earlier) is read as
// U+FFFD and so dropped. The result may be empty ("!!!", "ß").
std::string DjangoSlugify(std::string_view text);

}  // namespace ec::domain
