// `hubrules disconnect`: revokes the connection's refresh token at HubSpot and forgets its tokens
// (a thin shell over auth/connect.hpp).
#include <filesystem>
#include <iostream>

#include "runtime/auth/connect.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/store/open_state_store.hpp"

namespace hubrules::runtime {

int run_disconnect(const Args& args) {
  const CommandLine line(args, {"connection", "state", "hubspot-api"}, {});
  if (!line.positionals().empty()) throw UsageError("unexpected argument `" + line.positionals().front() + "`");
  const std::string state_file = state_file_from(line);
  // Opening a missing file would create an empty store just to find nothing in it.
  if (!names_postgresql(state_file) && !std::filesystem::exists(state_file)) {
    std::cerr << "hubrules disconnect: no state file " << state_file << "\n";
    return 1;
  }
  const auto store = open_state_store(state_file);
  const auto result = auth::disconnect(*store, line.value("connection").value_or(""), {}, api_family_from(line));
  if (result.revoked) std::cout << "revoked the refresh token at HubSpot\n";
  if (!result.note.empty()) std::cout << result.note << "\n";
  if (!result.revoke_error.empty())
    std::cerr << "could not revoke the refresh token at HubSpot: " << result.revoke_error
              << "\nthe tokens are forgotten here all the same; to be sure, remove the app in HubSpot "
                 "(Settings → Integrations → Connected apps)\n";
  std::cout << "forgot the tokens of connection " << result.connection_id << "\n";
  return result.revoke_error.empty() ? 0 : 1;
}

}  // namespace hubrules::runtime
