#include "engine/text/person_name.hpp"

#include "engine/text/whitespace.hpp"

namespace hubrules::text {

std::string_view collapse_name_spaces(std::string_view name, char* out) noexcept {
  std::size_t n = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < name.size();) {
    if (const std::size_t w = blank_at(name, i)) {
      pending_space = n > 0;
      i += w;
      continue;
    }
    if (pending_space) out[n++] = ' ';
    pending_space = false;
    out[n++] = name[i++];
  }
  return {out, n};
}

namespace {
// Code point of the 3-byte UTF-8 sequence at s[i], or 0.
char32_t three_byte_code_point(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if ((b0 & 0xF0) != 0xE0 || i + 2 >= s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
  return (char32_t(b0 & 0x0F) << 12) | (char32_t(b1 & 0x3F) << 6) | char32_t(b2 & 0x3F);
}
}  // namespace

bool has_cjk(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t cp = three_byte_code_point(s, i);
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3040 && cp <= 0x30FF)) return true;
  }
  return false;
}

PersonName split_collapsed_name(std::string_view collapsed) noexcept {
  if (collapsed.empty()) return {};
  if (has_cjk(collapsed)) {
    const std::size_t sp = collapsed.find(' ');
    if (sp == std::string_view::npos) return {{}, collapsed};
    return {collapsed.substr(sp + 1), collapsed.substr(0, sp)};
  }
  const std::size_t sp = collapsed.rfind(' ');
  if (sp == std::string_view::npos) return {{}, collapsed};
  return {collapsed.substr(0, sp), collapsed.substr(sp + 1)};
}

}  // namespace hubrules::text
