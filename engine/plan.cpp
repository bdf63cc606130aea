#include "engine/plan.hpp"

namespace hubrules::engine {

namespace {
void collect(Plan& plan, std::uint32_t index, std::vector<std::int32_t>& out) {
  ReadNode& node = plan.read_tree[index];
  std::vector<std::int32_t> mine;
  if (node.slot >= 0) mine.push_back(node.slot);
  if (node.collector == ReadNode::Collector::form_answers) {
    for (const auto& k : plan.answers_by_type) mine.push_back(k.slot);
    for (const auto& k : plan.answers_by_label) mine.push_back(k.slot);
  }
  if (node.collector == ReadNode::Collector::url_params)
    for (const auto& k : plan.url_params) mine.push_back(k.slot);
  for (const auto& c : node.children) collect(plan, c.node, mine);
  plan.read_tree[index].subtree_slots = mine;
  out.insert(out.end(), mine.begin(), mine.end());
}
}  // namespace

void index_read_tree(Plan& plan) {
  std::vector<std::int32_t> all;
  if (!plan.read_tree.empty()) collect(plan, 0, all);
}

}  // namespace hubrules::engine
