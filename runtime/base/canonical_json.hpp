#pragma once
// JSON in one canonical form (object keys sorted, no spaces, numbers in shortest form) so tests
// compare meaning, not formatting.
#include <optional>
#include <string>
#include <string_view>

namespace hubrules::runtime {

// nullopt when json is not valid JSON.
std::optional<std::string> canonical_json(std::string_view json);

}  // namespace hubrules::runtime
