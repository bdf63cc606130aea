#pragma once
// The options of every command that talks to a HubSpot portal (sync, retry, schema pull,
// connect, disconnect), read one way:
//   --hubspot-url URL         https://api.hubapi.com, or a sandbox
//   --hubspot-api 2026-03|v3  the API family (2026-03 when absent)
//   --token-file F            a file holding a private app's token (else HUBSPOT_TOKEN; else a stored
//                             connection); --token T still works but shows the token in `ps`
//   --connection ID           which stored connection
//   --state FILE              the state store (hubrules-state.db)
//   --ca-file PEM             an extra certificate authority for HTTPS
#include <set>
#include <string>
#include <vector>

#include "runtime/auth/portal_api.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/hubspot/api_paths.hpp"

namespace hubrules::runtime {

inline const std::set<std::string> kPortalOptions = {"hubspot-url", "hubspot-api", "token", "token-file",
                                                     "connection",  "state",       "ca-file"};

// Throws UsageError for a family name it does not know.
hubspot::ApiFamily api_family_from(const CommandLine& line);
// --token (with a warning: the command line is visible to every user), else --token-file, else
// HUBSPOT_TOKEN, else "" (a stored OAuth connection). Throws UsageError for --token with
// --token-file, config::SecretError when the file cannot be read or is empty.
std::string private_app_token_from(const CommandLine& line);
// Throws UsageError when --ca-file cannot be read.
std::vector<std::string> extra_ca_from(const CommandLine& line);
std::string state_file_from(const CommandLine& line);
// All of the above, for auth::PortalApi (limits and retries left at their defaults).
auth::PortalOptions portal_options_from(const CommandLine& line);

// `valued` plus kPortalOptions.
std::set<std::string> with_portal_options(std::set<std::string> valued);

}  // namespace hubrules::runtime
