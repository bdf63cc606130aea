#pragma once
// HubSpot serves two families of paths (HUBSPOT-API.md, API versions): the numbered legacy ones
// (/crm/v3, /crm/v4, /oauth/v1) and the date-versioned 2026-03 ones, with the same bodies and
// answers for the CRM. The sandbox routes a 2026-03 CRM path as its legacy twin, so both families
// share one set of handlers, limits, faults and endpoint keys and cannot drift apart.
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::runtime::sandbox {

enum class ApiFamily {
  legacy,    // /crm/v3/…, /crm/v4/…, /oauth/v1/…
  v2026_03,  // /crm/{objects,properties,associations}/2026-03/…, /oauth/2026-03/…
  none,      // neither: /oauth/authorize, unknown paths
};

// "legacy", "2026-03"; empty for none. The keys of SandboxStats::requests_by_family.
std::string_view family_name(ApiFamily family);

struct ApiRoute {
  ApiFamily family = ApiFamily::none;
  // The path the handlers are chosen by: a 2026-03 CRM path as its legacy twin, any other path
  // as sent (the 2026-03 OAuth endpoints differ from v1 and have their own handlers).
  std::string path;
};

ApiRoute route_of(std::string_view path);

// The non-empty segments of a path: "/crm/v3/objects" → crm, v3, objects.
std::vector<std::string_view> split_path(std::string_view path);

// "2026-03" and the like: a path segment naming a dated API version, not a record id.
bool is_dated_version(std::string_view segment);

}  // namespace hubrules::runtime::sandbox
