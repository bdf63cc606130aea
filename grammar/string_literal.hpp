#pragma once
// The value of a quoted string literal as written in a rule file, escapes resolved.
#include <string>
#include <string_view>

namespace hubrules::grammar {

// `quoted` includes its quotes and is known to be well formed (the grammar matched it).
std::string unescape_string_literal(std::string_view quoted);

}  // namespace hubrules::grammar
