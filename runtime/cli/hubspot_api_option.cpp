#include "runtime/cli/hubspot_api_option.hpp"

namespace hubrules::runtime {

hubspot::ApiFamily api_family_from(const CommandLine& line) {
  const auto name = line.value(kHubSpotApiOption);
  if (!name) return hubspot::ApiFamily::v2026_03;
  if (const auto family = hubspot::parse_api_family(*name)) return *family;
  throw UsageError("--hubspot-api takes 2026-03 (the default) or v3 (the legacy /crm/v3, /crm/v4 and /oauth/v1 "
                   "paths), not `" + *name + "`");
}

}  // namespace hubrules::runtime
