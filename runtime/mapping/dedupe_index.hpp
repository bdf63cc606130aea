#pragma once
// Which records are duplicates of ones already created, by a block's dedupe keys: a record is a
// duplicate when any of its key values (compared without ASCII case) was seen before.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/evaluation.hpp"

namespace hubrules::runtime {

class DedupeIndex {
 public:
  // The record's key values in the order of block.dedupe_keys, lowercased; empty when absent.
  static std::vector<std::string> key_values(const engine::BlockPlan& block, const engine::RecordResult& r);

  bool is_duplicate(const std::vector<std::string>& keys) const;
  // Remembers a created record's keys.
  void remember(const std::vector<std::string>& keys);

 private:
  std::vector<std::set<std::string, std::less<>>> seen_;  // per key position
};

}  // namespace hubrules::runtime
