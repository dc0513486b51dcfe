#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace ec::stub {

// Python's repr() of a float: shortest round-trip digits, fixed notation with
// a trailing ".0" for exponents in [-4, 16), else "1e+16" / "1.5e-05".
std::string PyFloatRepr(double value);

// Python's str() of a JSON-decoded value: strings as is, True/False/None,
// integers in decimal, floats as PyFloatRepr, lists and dicts as their repr.
std::string PyStr(const nlohmann::ordered_json& value);

}  // namespace ec::stub
