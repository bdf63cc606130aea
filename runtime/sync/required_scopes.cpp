#include "runtime/sync/required_scopes.hpp"

#include <algorithm>

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
  std::vector<std::string_view> have;
  for (std::size_t at = 0; at < granted.size();) {
    const std::size_t end = std::min(granted.find(' ', at), granted.size());
    if (end > at) have.push_back(granted.substr(at, end - at));
    at = end + 1;
  }
  std::vector<std::string> missing;
  for (const auto& scope : required)
    if (std::find(have.begin(), have.end(), scope) == have.end()) missing.push_back(scope);
  return missing;
}

}  // namespace hubrules::runtime
