#pragma once
// Data files of rules/ compiled into the binary, so hubrules runs from any directory.
#include <string_view>

namespace hubrules::rules {

// rules/free-email-domains.txt: one lowercase domain a line.
std::string_view bundled_free_mail_domains() noexcept;

// rules/schema/<object>.json for "contacts" or "companies"; empty for any other name.
std::string_view bundled_schema(std::string_view object) noexcept;

}  // namespace hubrules::rules
