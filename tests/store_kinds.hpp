#pragma once
// The state store's contract tests run against every kind of store: a TEMPLATE_TEST_CASE over
// these types. Each object is one fresh, empty store location (a SQLite file in a temporary
// folder, a new PostgreSQL database); open() opens a store object on it, and opening twice gives
// two store objects sharing it (two processes, two workers).
//
// Tests using them carry the tag [postgres]: ctest then runs them with the throw-away cluster
// (tests/CMakeLists.txt).
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/store/open_state_store.hpp"
#include "runtime/store/postgres_state_store.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/postgres_test_database.hpp"
#include "tests/test_support.hpp"

namespace hubrules::testing {

struct SqliteStoreKind {
  TempDir dir;

  std::unique_ptr<runtime::StateStore> open(runtime::Clock& clock = runtime::Clock::system()) const {
    return std::make_unique<runtime::SqliteStateStore>(dir.file(), clock);
  }
  // How the store names its location in error messages.
  std::string shown_location() const { return dir.file().string(); }
  // From now on, inserting a connection fails inside the database, with the message "refused".
  void refuse_connection_inserts() const {
    sqlite3* db = nullptr;
    sqlite3_open(dir.file().c_str(), &db);
    const int code = sqlite3_exec(
        db, "CREATE TRIGGER refuse BEFORE INSERT ON connections BEGIN SELECT RAISE(ABORT, 'refused'); END", nullptr,
        nullptr, nullptr);
    sqlite3_close(db);
    if (code != SQLITE_OK) throw std::runtime_error("cannot create the trigger");
  }
};

struct PostgresStoreKind {
  TestDatabase database;  // dropped after the stores opened on it (declared after this object)
  std::string url = database.url();

  // The store's own clock for leases and heartbeats, so a ManualClock drives them.
  std::unique_ptr<runtime::StateStore> open(runtime::Clock& clock = runtime::Clock::system()) const {
    return std::make_unique<runtime::PostgresStateStore>(
        url, clock, runtime::PostgresStoreOptions{.migrate = true, .database_clock = false});
  }
  std::string shown_location() const { return runtime::redacted_location(url); }
  void refuse_connection_inserts() const {
    PgSession(url).exec(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
        "CREATE TRIGGER refuse BEFORE INSERT ON connections FOR EACH ROW EXECUTE FUNCTION refuse()");
  }
};

}  // namespace hubrules::testing
