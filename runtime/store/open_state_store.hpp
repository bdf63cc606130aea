#pragma once
// `--state LOCATION` (or `state = "…"` in serve's config): a file path keeps the state in
// SQLite on this machine; a postgresql:// (or postgres://) URL in a PostgreSQL database that
// several workers share.
#include <memory>
#include <string>
#include <string_view>

#include "runtime/store/state_store.hpp"

namespace hubrules::runtime {

bool names_postgresql(std::string_view location);

// The location as messages may show it: a URL's password, if any, replaced by "***" (the
// password belongs in PGPASSFILE or ~/.pgpass, not in the URL).
std::string redacted_location(const std::string& location);

// A SQLite file is created and brought up to date when opened (it is this machine's own). A
// PostgreSQL database is shared, so its schema changes only through `hubrules migrate`: opening
// checks it is current, unless `migrate` asks to bring it up to date first.
std::unique_ptr<StateStore> open_state_store(const std::string& location, Clock& clock = Clock::system(),
                                             bool migrate = false);

struct MigrationReport {
  int from = 0;  // the schema version found (0: none)
  int to = 0;    // the version now, the latest this hubrules knows
};

// `hubrules migrate`: brings the store at `location` to the latest schema.
MigrationReport migrate_state_store(const std::string& location);

}  // namespace hubrules::runtime
