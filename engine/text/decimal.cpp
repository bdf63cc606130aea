#include "engine/text/decimal.hpp"

namespace hubrules::text {

namespace {
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Full-width digit U+FF10..U+FF19 is EF BC 90..99; the full-width comma U+FF0C is EF BC 8C.
bool full_width_at(std::string_view s, std::size_t i) noexcept {
  return i + 2 < s.size() && s[i] == '\xEF' && s[i + 1] == '\xBC';
}

// Drops leading zeros of the integer part and trailing zeros of the fraction.
std::string_view canonical(char* out, std::size_t n, std::size_t dot) noexcept {
  std::size_t begin = 0;
  const std::size_t int_end = dot == std::string_view::npos ? n : dot;
  while (begin + 1 < int_end && out[begin] == '0') ++begin;
  if (dot != std::string_view::npos) {
    while (n > dot + 1 && out[n - 1] == '0') --n;
    if (n == dot + 1) n = dot;
  }
  return {out + begin, n - begin};
}
}  // namespace

std::string_view normalize_decimal(std::string_view s, char* out) noexcept {
  std::size_t n = 0, dot = std::string_view::npos;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (full_width_at(s, i)) {
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      i += 3;
      if (b2 == 0x8C) continue;
      if (b2 < 0x90 || b2 > 0x99) return {};
      c = char('0' + (b2 - 0x90));
    } else {
      ++i;
      if (c == ',') continue;
    }
    if (c == '.') {
      if (dot != std::string_view::npos || n == 0) return {};
      dot = n;
    } else if (!is_digit(c)) {
      return {};
    }
    out[n++] = c;
  }
  if (n == 0 || (dot != std::string_view::npos && dot + 1 == n)) return {};
  return canonical(out, n, dot);
}

bool is_json_number(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  if (s[i] == '0') ++i;
  else while (i < s.size() && is_digit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    if (++i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

}  // namespace hubrules::text
