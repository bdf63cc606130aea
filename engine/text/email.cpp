#include "engine/text/email.hpp"

namespace hubrules::text {

namespace {
bool is_domain_with_dot(std::string_view d) noexcept {
  if (d.empty() || d.front() == '.' || d.back() == '.') return false;
  bool dot = false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] != '.') continue;
    if (d[i + 1] == '.') return false;  // an empty label; safe: d.back() is not '.'
    dot = true;
  }
  return dot;
}
}  // namespace

bool is_valid_email(std::string_view s) noexcept {
  std::size_t at = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || c <= 0x20 || c == 0x7F) return false;
    if (c == '@') {
      if (at != std::string_view::npos) return false;
      at = i;
    }
  }
  return at != std::string_view::npos && at > 0 && is_domain_with_dot(s.substr(at + 1));
}

std::string_view email_domain(std::string_view s) noexcept {
  if (!is_valid_email(s)) return {};
  return s.substr(s.find('@') + 1);
}

}  // namespace hubrules::text
