#include "runtime/store/open_state_store.hpp"

#include "runtime/store/postgres_state_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"

namespace hubrules::runtime {

bool names_postgresql(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

namespace {

// Secrets stay out of command lines, configs and logs: libpq reads the password from PGPASSFILE,
// ~/.pgpass or PGPASSWORD.
void refuse_password_in(const std::string& url) {
  if (redacted_location(url) != url)
    throw StoreError("the state store's URL holds a password: leave it out of the URL and give it to PostgreSQL "
                     "through PGPASSFILE (or ~/.pgpass), so it is in no command line, config or log");
}

}  // namespace

std::unique_ptr<StateStore> open_state_store(const std::string& location, Clock& clock, bool migrate) {
  if (!names_postgresql(location)) return std::make_unique<SqliteStateStore>(location, clock);
  refuse_password_in(location);
  PostgresStoreOptions options;
  options.migrate = migrate;
  return std::make_unique<PostgresStateStore>(location, clock, options);
}

MigrationReport migrate_state_store(const std::string& location) {
  if (!names_postgresql(location)) {
    // Opening a file migrates it; the version it had is not worth a second open of the file.
    SqliteStateStore store(location);
    return {store.schema_version(), store.schema_version()};
  }
  refuse_password_in(location);
  PostgresStoreOptions options;
  options.check_schema = false;
  PostgresStateStore store(location, Clock::system(), options);
  const int from = store.migrate();
  return {from, store.schema_version()};
}

}  // namespace hubrules::runtime
