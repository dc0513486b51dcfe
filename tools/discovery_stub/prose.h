#pragma once

// The generated text: the prose pool that long fields are cut from, and the
// titles, descriptions and course numbers drawn for each course.

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

class Rng;

// About 1 MiB of random prose the documents' long fields are cut from:
// sentences grouped into paragraphs separated by " </p><p> ", so a slice cut
// at spaces is always balanced HTML inside "<p>...</p>" and never needs JSON
// escaping. Documents point into it, so padding costs no memory per document.
std::string MakeTextPool(Rng* rng);

// A slice of `pool` of about `length` bytes starting and ending at word
// boundaries; empty when `length` <= 0.
std::string_view PickPadding(const std::string& pool, int64_t length, Rng* rng);

// `slice` without the pool's paragraph breaks, for plain-text fields.
std::string PlainText(std::string_view slice);

std::string MakeShortDescription(std::string_view topic, Rng* rng);
// A title about topic `topic` (an index into kVocabTopics).
std::string MakeCourseTitle(int topic, Rng* rng);
// A course number in `org`'s style: "6.002x" at MITx, "DS1011EN" at IBM...
std::string MakeCourseNumber(const VocabOrg& org, const VocabTopic& topic,
                             Rng* rng);

}  // namespace ec::stub
