#pragma once
// How many terminal columns text takes: East Asian wide characters take two. Lines carets up
// under diagnostics and pads the demo's tables.
#include <cstddef>
#include <string>
#include <string_view>

namespace hubrules::text {

// The code point at s[i] (valid UTF-8 assumed); advances i past it.
char32_t decode_utf8(std::string_view s, std::size_t& i);
int code_point_width(char32_t cp);
std::size_t display_width(std::string_view s);
// s followed by spaces up to `columns` (s itself when it is wider).
std::string pad_to_width(std::string_view s, std::size_t columns);

}  // namespace hubrules::text
