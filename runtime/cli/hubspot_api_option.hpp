#pragma once
// `--hubspot-api 2026-03|v3`: which family of HubSpot's API a command speaks (every command
// that talks to HubSpot takes it; 2026-03 when absent).
#include "runtime/cli/command_line.hpp"
#include "runtime/hubspot/api_paths.hpp"

namespace hubrules::runtime {

inline constexpr const char* kHubSpotApiOption = "hubspot-api";

// Throws UsageError for a name it does not know.
hubspot::ApiFamily api_family_from(const CommandLine& line);

}  // namespace hubrules::runtime
