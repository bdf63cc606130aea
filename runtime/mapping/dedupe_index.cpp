#include "runtime/mapping/dedupe_index.hpp"

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime {

std::vector<std::string> DedupeIndex::key_values(const engine::BlockPlan& block, const engine::RecordResult& r) {
  std::vector<std::string> keys;
  for (std::uint32_t k : block.dedupe_keys) {
    const engine::Value v = r.get(block.properties[k].name);
    std::string s(v.is_null() ? std::string_view{} : v.text);
    for (char& c : s) c = text::to_lower_ascii(c);
    keys.push_back(std::move(s));
  }
  return keys;
}

bool DedupeIndex::is_duplicate(const std::vector<std::string>& keys) const {
  for (std::size_t i = 0; i < keys.size() && i < seen_.size(); ++i)
    if (!keys[i].empty() && seen_[i].count(keys[i])) return true;
  return false;
}

void DedupeIndex::remember(const std::vector<std::string>& keys) {
  if (seen_.size() < keys.size()) seen_.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (!keys[i].empty()) seen_[i].insert(keys[i]);
}

}  // namespace hubrules::runtime
