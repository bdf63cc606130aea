#pragma once
// "Did you mean …?": the closest known name to a misspelt one.
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::engine {

// The candidate nearest to `word` by edit distance (a transposition counts as one edit), or
// empty when none is close enough to be a plausible typo.
std::string closest_name(std::string_view word, const std::vector<std::string_view>& candidates);

// "did you mean `x`?" or empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace hubrules::engine
