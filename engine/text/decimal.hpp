#pragma once
// Turning a form answer such as "1,000" or "５０" into a JSON number, exactly: the digits are kept
// as text, so no precision is lost on the way to HubSpot.
#include <string_view>

namespace hubrules::text {

// Full-width digits become ASCII, "," and "，" are dropped, then the rest must be digits with at
// most one '.' between digits. Writes the canonical form (no leading zeros, no trailing
// fractional zeros) to out (capacity s.size()) and returns it; returns an empty view otherwise.
std::string_view normalize_decimal(std::string_view s, char* out) noexcept;

// True when s is already canonical decimal text as normalize_decimal writes it, or a JSON
// number literal; used to check numbers coming from JSON or rule literals.
bool is_json_number(std::string_view s) noexcept;

}  // namespace hubrules::text
