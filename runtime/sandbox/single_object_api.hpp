#pragma once
// One record at a time, as HubSpot's own SDKs call it (HUBSPOT-API.md, API versions: "GET|POST
// /crm/objects/2026-03/{object}, GET|PATCH|DELETE …/{object}/{id}", and a record's
// associations). Each endpoint is its batch twin with one input, so validation, conflicts and
// storage cannot differ between the two.
#include <optional>
#include <string_view>
#include <vector>

#include "runtime/sandbox/api_context.hpp"

namespace hubrules::runtime::sandbox {

// The answer when parts (a legacy CRM path, split) name one of these endpoints; nullopt otherwise.
std::optional<ApiResponse> dispatch_single_object(ApiContext& c, const ApiRequest& req,
                                                  const std::vector<std::string_view>& parts);

}  // namespace hubrules::runtime::sandbox
