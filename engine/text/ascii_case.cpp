#include "engine/text/ascii_case.hpp"

namespace hubrules::text {

std::string lower_ascii(std::string_view s) {
  std::string out(s.size(), '\0');
  lower_ascii(s, out.data());
  return out;
}

std::string_view lower_ascii(std::string_view s, char* out) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = to_lower_ascii(s[i]);
  return {out, s.size()};
}

std::string_view upper_ascii(std::string_view s, char* out) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = to_upper_ascii(s[i]);
  return {out, s.size()};
}

bool equals_ignore_ascii_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  return true;
}

}  // namespace hubrules::text
