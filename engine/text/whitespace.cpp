#include "engine/text/whitespace.hpp"

namespace hubrules::text {

namespace {
// Width of a blank that ends at s[end-1], 0 when none does.
std::size_t blank_before(std::string_view s, std::size_t end) noexcept {
  if (end == 0) return 0;
  if (is_ascii_space(s[end - 1])) return 1;
  return end >= 3 && ideographic_space_at(s, end - 3) ? 3 : 0;
}
}  // namespace

std::string_view trim(std::string_view s) noexcept {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const std::size_t w = blank_at(s, begin);
    if (w == 0) break;
    begin += w;
  }
  std::size_t end = s.size();
  while (end > begin) {
    const std::size_t w = blank_before(s, end);
    if (w == 0) break;
    end -= w;
  }
  return s.substr(begin, end - begin);
}

}  // namespace hubrules::text
