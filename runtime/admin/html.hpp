#pragma once
// Writing the page's HTML: escaping every value, the frame every page shares, and the small
// forms (each with its CSRF token). Server-rendered, no JavaScript.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/admin/admin_text.hpp"

namespace hubrules::runtime::admin {

// For text and for attribute values (quotes included).
std::string escape(std::string_view text);
// A query string's value.
std::string url_encode(std::string_view text);

struct Frame {
  Lang lang = Lang::en;
  std::string title;
  std::string section;  // "connections", "integrations", "bookings": which nav link is current
  std::string csrf;     // "" when signed out (no nav, no sign-out button)
  std::string notice;   // shown above the content, already in the page's language
  bool notice_is_error = false;
};

std::string page(const Frame& frame, std::string_view body);

using Hidden = std::vector<std::pair<std::string, std::string>>;
// A POST form of one button: `id` on the button, the CSRF token and `hidden` as hidden fields.
std::string button_form(std::string_view action, std::string_view csrf, std::string_view label, std::string_view id,
                        const Hidden& hidden = {}, std::string_view button_class = "");
std::string csrf_field(std::string_view csrf);

}  // namespace hubrules::runtime::admin
