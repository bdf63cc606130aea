// `hubrules migrate [--state LOCATION]`: brings the state store's schema to the version this
// hubrules needs. A PostgreSQL store shared by workers changes only here, never as a side effect of
// a worker starting (workers check the version and refuse an old one); a SQLite file migrates
// itself when opened, so this only reports its version.
#include <iostream>

#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/store/open_state_store.hpp"

namespace hubrules::runtime {

int run_migrate(const Args& args) {
  const CommandLine line(args, {"state"}, {});
  if (!line.positionals().empty()) throw UsageError("unexpected argument `" + line.positionals().front() + "`");
  const std::string location = state_file_from(line);
  const MigrationReport report = migrate_state_store(location);
  const std::string where = redacted_location(location);
  if (report.from == report.to)
    std::cout << where << ": schema version " << report.to << ", up to date\n";
  else
    std::cout << where << ": schema version " << report.from << " → " << report.to << "\n";
  return 0;
}

}  // namespace hubrules::runtime
