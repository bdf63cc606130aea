#include "runtime/sync/required_scopes.hpp"

#include <algorithm>

#include "runtime/base/split.hpp"

namespace hubrules::runtime {

std::vector<std::string> required_scopes(const engine::Plan& plan) {
  std::vector<std::string> scopes;
  for (const engine::BlockPlan* block : {&plan.contacts, &plan.companies}) {
    if (!block->declared) continue;
    scopes.push_back("crm.objects." + block->object + ".read");
    scopes.push_back("crm.objects." + block->object + ".write");
  }
  return scopes;
}

std::vector<std::string> missing_scopes(std::string_view granted, const std::vector<std::string>& required) {
  const std::vector<std::string_view> have = split_nonempty(granted, ' ');
  std::vector<std::string> missing;
  for (const auto& scope : required)
    if (std::find(have.begin(), have.end(), scope) == have.end()) missing.push_back(scope);
  return missing;
}

}  // namespace hubrules::runtime
