#pragma once
// What counts as a postable email address. Deliberately simpler than RFC 5322: HubSpot refuses
// most exotic forms anyway, and a guest's typo (a full-width "＠", a space) must not post.
#include <string_view>

namespace hubrules::text {

// Valid: ASCII only, no whitespace or control characters, exactly one '@', a non-empty local
// part, and a domain that has a dot and no empty label.
bool is_valid_email(std::string_view s) noexcept;

// The text after the '@' of a valid email (not lowercased), or an empty view.
std::string_view email_domain(std::string_view s) noexcept;

}  // namespace hubrules::text
