#pragma once
// Splitting text at a separator, as paths ("/crm/v3/objects"), lists ("a,b") and OAuth scope
// strings ("a b") are split: empty pieces are dropped.
#include <algorithm>
#include <string_view>
#include <vector>

namespace hubrules::runtime {

// The views point into `text`.
inline std::vector<std::string_view> split_nonempty(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace hubrules::runtime
