#pragma once
// The OAuth scopes a rule file needs of its HubSpot connection (HUBSPOT-API.md, Auth), so that a
// connection granted too little is told before anything is delivered, with the scope's name,
// instead of failing every batch with 403 MISSING_SCOPES.
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan.hpp"

namespace hubrules::runtime {

// Reading and writing each object the rules post (contacts by batch read, companies by
// search), in a stable order.
std::vector<std::string> required_scopes(const engine::Plan& plan);

// The required scopes missing from `granted` (space-separated, as OAuth writes scopes).
std::vector<std::string> missing_scopes(std::string_view granted, const std::vector<std::string>& required);

}  // namespace hubrules::runtime
