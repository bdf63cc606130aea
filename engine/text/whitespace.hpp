#pragma once
// Whitespace as bookings use it: ASCII blanks plus the ideographic space U+3000, which Japanese
// forms put around and inside answers.
#include <string_view>

namespace hubrules::text {

constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Length of the ideographic space (E3 80 80) at s[i], or 0.
constexpr std::size_t ideographic_space_at(std::string_view s, std::size_t i) noexcept {
  return (i + 2 < s.size() && s[i] == '\xE3' && s[i + 1] == '\x80' && s[i + 2] == '\x80') ? 3 : 0;
}

// Width of the blank (ASCII or U+3000) starting at s[i], 0 when s[i] starts no blank.
constexpr std::size_t blank_at(std::string_view s, std::size_t i) noexcept {
  return is_ascii_space(s[i]) ? 1 : ideographic_space_at(s, i);
}

// s without leading and trailing ASCII whitespace and U+3000.
std::string_view trim(std::string_view s) noexcept;

// True when s is empty or holds only blanks.
inline bool is_blank(std::string_view s) noexcept { return trim(s).empty(); }

}  // namespace hubrules::text
