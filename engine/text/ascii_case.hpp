#pragma once
// ASCII case mapping: emails and domains are ASCII, and non-ASCII bytes pass through unchanged,
// so UTF-8 text stays valid.
#include <string>
#include <string_view>

namespace hubrules::text {

constexpr char to_lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
constexpr char to_upper_ascii(char c) noexcept { return (c >= 'a' && c <= 'z') ? char(c - 32) : c; }

// Writes s lowercased to out (capacity s.size()) and returns the view of it.
std::string_view lower_ascii(std::string_view s, char* out) noexcept;
std::string_view upper_ascii(std::string_view s, char* out) noexcept;
// s lowercased, as a new string.
std::string lower_ascii(std::string_view s);

bool equals_ignore_ascii_case(std::string_view a, std::string_view b) noexcept;

}  // namespace hubrules::text
