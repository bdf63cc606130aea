#pragma once
// Splitting one "name" answer into HubSpot's firstname and lastname.
// Japanese names are written family name first, often with an ideographic space; Western names
// given name first. The script decides which end holds the family name.
#include <string_view>

namespace hubrules::text {

struct PersonName {
  std::string_view given;   // empty when the name has one token
  std::string_view family;  // empty only for a blank name
};

// Writes name to out (capacity name.size()) with U+3000 turned into a space, runs of blanks
// collapsed to one space and the ends trimmed; returns the view of it.
std::string_view collapse_name_spaces(std::string_view name, char* out) noexcept;

// True when s holds a Han (U+4E00–U+9FFF), Hiragana or Katakana character.
bool has_cjk(std::string_view s) noexcept;

// Splits a collapsed name: one token is the family name; with more, a CJK name's first token is
// the family name and the rest the given name, otherwise the last token is the family name.
PersonName split_collapsed_name(std::string_view collapsed) noexcept;

}  // namespace hubrules::text
