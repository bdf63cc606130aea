#include "runtime/store/sqlite_state_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <variant>

#include "engine/text/ascii_case.hpp"
#include "runtime/store/sqlite_handle.hpp"
#include "runtime/store/sqlite_schema.hpp"
#include "runtime/store/stored_values.hpp"

namespace hubrules::runtime {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::StatementUse;

// ---- files ----------------------------------------------------------------------------------

constexpr mode_t private_mode = 0600;

[[noreturn]] void fail_on_file(const std::filesystem::path& file, std::string_view what) {
  const int error = errno;  // before building the message can disturb it
  throw StoreError("state store " + file.string() + ": " + std::string(what) + ": " + std::strerror(error));
}

void narrow_open_file(int fd, const std::filesystem::path& file) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) fail_on_file(file, "cannot inspect");
  if ((status.st_mode & 0777) != private_mode && ::fchmod(fd, private_mode) != 0) {
    fail_on_file(file, "cannot make it private (mode 0600)");
  }
}

// Creating the file before SQLite does fixes its mode: SQLite would use 0644, and it gives
// the -wal and -shm files the main file's mode. An existing file is never opened here: closing
// a descriptor of a file drops every POSIX lock this process holds on it, SQLite's included,
// so opening and closing it beside a live connection (a second store on the same file in this
// process) would let another process checkpoint and remove the WAL under that connection.
std::string create_private_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, private_mode);
  if (fd < 0) {
    if (errno != EEXIST) fail_on_file(file, "cannot create");
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0) fail_on_file(file, "cannot inspect");
    if ((status.st_mode & 0777) != private_mode && ::chmod(file.c_str(), private_mode) != 0)
      fail_on_file(file, "cannot make it private (mode 0600)");
    return file.string();
  }
  try {
    narrow_open_file(fd, file);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return file.string();
}

// Companions left by an older run (or another tool) may be more permissive than the file.
void narrow_companion_files(const std::filesystem::path& file) {
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    const std::filesystem::path companion = file.string() + suffix;
    struct stat status {};
    if (::stat(companion.c_str(), &status) != 0) continue;
    if ((status.st_mode & 0777) != private_mode && ::chmod(companion.c_str(), private_mode) != 0) {
      fail_on_file(companion, "cannot make it private (mode 0600)");
    }
  }
}

// ---- values ---------------------------------------------------------------------------------

using stored::before_or_newest;
using stored::disposition_from_string;
using stored::from_millis;
using stored::page_limit;
using stored::stored_key;
using stored::to_millis;

// ---- rows -----------------------------------------------------------------------------------

#define HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD \
  "state, reason, coalesce(connection_id, ''), attempts, intake_sequence, received_at, updated_at, last_attempt_at, " \
  "integration, retry_at"
#define HUBRULES_BOOKING_COLUMNS                                                                        \
  "event_id, coalesce((SELECT p.payload FROM booking_payloads p WHERE p.intake_sequence = bookings.intake_sequence), " \
  "''), " HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD
// The same columns with an empty payload, for lists.
#define HUBRULES_BOOKING_COLUMNS_NO_PAYLOAD "event_id, '', " HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD

JournaledBooking read_booking(const Statement& row, const std::string& file) {
  JournaledBooking b;
  b.event_id = row.text(0);
  b.payload = row.text(1);
  const auto state = booking_state_from_string(row.text(2));
  if (!state) throw StoreError("state store " + file + ": booking " + b.event_id + " has an unknown state");
  b.state = *state;
  b.reason = row.text(3);
  b.connection_id = row.text(4);
  b.attempts = static_cast<int>(row.integer(5));
  b.intake_sequence = row.integer(6);
  b.received_at = from_millis(row.integer(7));
  b.updated_at = from_millis(row.integer(8));
  b.last_attempt_at = from_millis(row.optional_integer(9));
  b.integration = row.text(10);
  b.retry_at = from_millis(row.optional_integer(11));
  return b;
}

#define HUBRULES_CONNECTION_COLUMNS                                                                      \
  "id, portal_id, auth_kind, access_token, refresh_token, access_expires_at, status, broken_reason, " \
  "last_successful_post_at, admin_email, client_id, client_secret, api_base_url, scopes, connected_at"

Connection read_connection(const Statement& row) {
  Connection c;
  c.id = row.text(0);
  c.portal_id = row.optional_integer(1);
  c.auth = row.text(2) == "oauth" ? AuthKind::oauth : AuthKind::private_app;
  c.access_token = row.text(3);
  c.refresh_token = row.text(4);
  c.access_expires_at = from_millis(row.optional_integer(5));
  c.status = row.text(6) == "broken" ? ConnectionStatus::broken : ConnectionStatus::ok;
  c.broken_reason = row.text(7);
  c.last_successful_post_at = from_millis(row.optional_integer(8));
  c.admin_email = row.text(9);
  c.client_id = row.text(10);
  c.client_secret = row.text(11);
  c.api_base_url = row.text(12);
  c.scopes = row.text(13);
  c.connected_at = from_millis(row.optional_integer(14));
  return c;
}

CreatedCompany read_company(const Statement& row) {
  return {row.text(0), row.optional_text(1), row.optional_text(2), from_millis(row.integer(3)), row.text(4)};
}

Lease read_lease(const Statement& row) {
  return {row.text(0), row.text(1), row.integer(2), from_millis(row.integer(3)), std::nullopt, {}};
}

}  // namespace

// ---- the connection and its transactions ----------------------------------------------------

struct SqliteStateStore::Impl {
  Impl(const std::filesystem::path& path, Clock& store_clock, const SqliteStoreOptions& options)
      : file(path), clock(store_clock), db(create_private_file(path), options.busy_timeout_ms) {}

  std::filesystem::path file;
  Clock& clock;
  Database db;
  // Keyed by the statement's text, which lives as long as the program (string literals).
  std::unordered_map<std::string_view, Statement> statements;
  std::recursive_mutex mutex;
  int transaction_depth = 0;

  StatementUse use(std::string_view sql) {
    auto found = statements.find(sql);
    if (found == statements.end()) {
      found = statements.emplace(sql, Statement(db.handle(), sql, db.file())).first;
    }
    return StatementUse(found->second);
  }

  std::int64_t now() const { return to_millis(clock.now()); }

  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError("state store " + file.string() + ": " + what);
  }

  // BEGIN IMMEDIATE takes the write lock at once, so a transaction never fails half-way on a
  // lock another process holds; nested calls become savepoints.
  void atomically(const std::function<void()>& work) {
    const bool outermost = transaction_depth == 0;
    db.exec(outermost ? "BEGIN IMMEDIATE" : "SAVEPOINT nested");
    ++transaction_depth;
    try {
      work();
    } catch (...) {
      --transaction_depth;
      undo(outermost);
      throw;
    }
    --transaction_depth;
    finish(outermost);
  }

  void undo(bool outermost) noexcept {
    const char* sql = outermost ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested";
    if (sqlite3_exec(db.handle(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      spdlog::error("state store {}: cannot roll back: {}", file.string(), sqlite3_errmsg(db.handle()));
    }
  }

  void finish(bool outermost) {
    try {
      db.exec(outermost ? "COMMIT" : "RELEASE nested");
    } catch (...) {
      undo(outermost);
      throw;
    }
  }

  std::int64_t user_version() { return db.pragma_integer("user_version"); }

  void configure() {
    // Only a file without tables can switch: dropped payloads then give their pages back to the
    // file system (drop_payloads_before); an older file reuses the freed pages instead.
    if (db.pragma_integer("page_count") == 0) db.exec("PRAGMA auto_vacuum=INCREMENTAL");
    db.exec("PRAGMA foreign_keys=ON");
    db.exec("PRAGMA synchronous=FULL");
    Statement wal(db.handle(), "PRAGMA journal_mode=WAL", db.file());
    if (!wal.step() || wal.text(0) != "wal") {
      spdlog::warn("state store {}: WAL mode is not available here; using the rollback journal", file.string());
    }
  }

  void migrate(int target) {
    const int latest = sqlite_schema::latest_version();
    const std::int64_t current = user_version();
    if (current > latest) {
      fail("its schema version " + std::to_string(current) + " is newer than this hubrules knows (" +
           std::to_string(latest) + "); use a newer hubrules");
    }
    if (target <= 0 || target > latest) target = latest;
    for (const auto& migration : sqlite_schema::migrations()) {
      if (migration.version > current && migration.version <= target) apply(migration, current == 0);
    }
  }

  // Upgrading an existing file is worth telling; building a new one is not.
  void apply(const sqlite_schema::Migration& migration, bool new_file) {
    atomically([&] {
      // Another process may have migrated between our check and our lock.
      if (user_version() >= migration.version) return;
      db.exec(migration.sql);
      auto history = use("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)");
      history->bind(1, std::int64_t{migration.version}).bind(2, migration.description).bind(3, now()).run();
      db.exec(("PRAGMA user_version = " + std::to_string(migration.version)).c_str());
      const auto level = new_file ? spdlog::level::debug : spdlog::level::info;
      spdlog::log(level, "state store {}: schema migrated to version {} ({})", file.string(), migration.version,
                  migration.description);
    });
  }

  // Why an UPDATE of one booking changed nothing.
  [[noreturn]] void fail_unchanged_booking(const std::string& event_id, std::string_view wanted) {
    auto q = use("SELECT state FROM bookings WHERE event_id = ?1");
    q->bind(1, event_id);
    if (!q->step()) fail("no booking with event id " + event_id);
    fail("booking " + event_id + " is " + q->text(0) + ", which is final; it cannot become " + std::string(wanted));
  }

  std::vector<JournaledBooking> bookings(StatementUse& q) {
    std::vector<JournaledBooking> result;
    while (q->step()) result.push_back(read_booking(*q, db.file()));
    return result;
  }

  // Reads `state, count(*)` rows into counts that list every state.
  std::map<BookingState, std::size_t> counts(StatementUse& q) {
    auto by_state = stored::zero_counts();
    while (q->step()) {
      const auto state = booking_state_from_string(q->text(0));
      if (state) by_state[*state] = static_cast<std::size_t>(q->integer(1));
    }
    return by_state;
  }

  void run_connection_update(StatementUse& q, const std::string& id) {
    q->run();
    if (db.changes() == 0) fail("no connection \"" + id + "\"");
  }

  void run_intent_update(StatementUse& q, const std::string& trace_id) {
    q->run();
    if (db.changes() == 0) fail("no create intent with trace id " + trace_id);
  }
};

SqliteStateStore::SqliteStateStore(const std::filesystem::path& file, Clock& clock, SqliteStoreOptions options)
    : impl_(std::make_unique<Impl>(file, clock, options)) {
  impl_->configure();
  impl_->migrate(options.migrate_to_version);
  narrow_companion_files(file);
}

SqliteStateStore::~SqliteStateStore() = default;

int SqliteStateStore::latest_schema_version() { return sqlite_schema::latest_version(); }

int SqliteStateStore::schema_version() {
  std::lock_guard lock(impl_->mutex);
  return static_cast<int>(impl_->user_version());
}

const std::filesystem::path& SqliteStateStore::file() const { return impl_->file; }

void SqliteStateStore::transaction(const std::function<void(StateStore&)>& work) {
  std::lock_guard lock(impl_->mutex);
  impl_->atomically([&] { work(*this); });
}

// ---- (1) intake journal ---------------------------------------------------------------------

bool SqliteStateStore::journal(const std::string& integration, const std::string& event_id, std::string_view payload,
                               TimePoint received_at) {
  std::lock_guard lock(impl_->mutex);
  bool added = false;
  impl_->atomically([&] {
    auto q = impl_->use(
        "INSERT INTO bookings (event_id, payload, state, received_at, updated_at, integration) "
        "VALUES (?1, '', 'pending', ?2, ?3, ?4) ON CONFLICT (event_id) DO NOTHING RETURNING intake_sequence");
    q->bind(1, event_id).bind(2, to_millis(received_at)).bind(3, impl_->now()).bind(4, integration);
    if (!q->step()) return;
    const std::int64_t sequence = q->integer(0);
    q->reset();
    auto p = impl_->use("INSERT INTO booking_payloads (intake_sequence, payload) VALUES (?1, ?2)");
    p->bind(1, sequence).bind(2, payload).run();
    added = true;
  });
  return added;
}

std::optional<JournaledBooking> SqliteStateStore::booking(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_BOOKING_COLUMNS " FROM bookings WHERE event_id = ?1");
  q->bind(1, event_id);
  if (!q->step()) return std::nullopt;
  return read_booking(*q, impl_->db.file());
}

void SqliteStateStore::set_state(const std::string& event_id, BookingState state, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  if (state == BookingState::parked) impl_->fail("booking " + event_id + ": parking goes through park()");
  auto q = impl_->use(
      "UPDATE bookings SET state = ?1, reason = ?2, connection_id = NULL, retry_at = NULL, updated_at = ?3 "
      "WHERE event_id = ?4 AND (state NOT IN ('delivered', 'skipped', 'invalid') OR state = ?1)");
  q->bind(1, to_string(state)).bind(2, reason).bind(3, impl_->now()).bind(4, event_id).run();
  if (impl_->db.changes() == 0) impl_->fail_unchanged_booking(event_id, to_string(state));
}

int SqliteStateStore::record_attempt(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET attempts = attempts + 1, last_attempt_at = ?1, updated_at = ?1 WHERE event_id = ?2 "
      "RETURNING attempts");
  q->bind(1, impl_->now()).bind(2, event_id);
  if (!q->step()) impl_->fail("no booking with event id " + event_id);
  return static_cast<int>(q->integer(0));
}

void SqliteStateStore::retry_later(const std::string& event_id, std::string_view reason, TimePoint at) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET state = 'pending', reason = ?1, retry_at = ?2, connection_id = NULL, updated_at = ?3 "
      "WHERE event_id = ?4 AND state NOT IN ('delivered', 'skipped', 'invalid')");
  q->bind(1, reason).bind(2, to_millis(at)).bind(3, impl_->now()).bind(4, event_id).run();
  if (impl_->db.changes() == 0) impl_->fail_unchanged_booking(event_id, "pending");
}

void SqliteStateStore::park(const std::string& event_id, const std::string& connection_id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET state = 'parked', reason = ?1, connection_id = ?2, retry_at = NULL, updated_at = ?3 "
      "WHERE event_id = ?4 AND state NOT IN ('delivered', 'skipped', 'invalid')");
  q->bind(1, reason).bind(2, connection_id).bind(3, impl_->now()).bind(4, event_id).run();
  if (impl_->db.changes() == 0) impl_->fail_unchanged_booking(event_id, "parked");
}

// Released and requeued bookings start their attempts afresh: the pipeline bounds each run.
std::size_t SqliteStateStore::release_parked(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET state = 'pending', reason = '', connection_id = NULL, attempts = 0, "
      "last_attempt_at = NULL, updated_at = ?1 WHERE state = 'parked' AND connection_id = ?2");
  q->bind(1, impl_->now()).bind(2, connection_id).run();
  return static_cast<std::size_t>(impl_->db.changes());
}

std::size_t SqliteStateStore::requeue_failed() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET state = 'pending', reason = '', attempts = 0, last_attempt_at = NULL, retry_at = NULL, "
      "updated_at = ?1 WHERE state = 'failed' OR (state = 'pending' AND retry_at IS NOT NULL)");
  q->bind(1, impl_->now()).run();
  return static_cast<std::size_t>(impl_->db.changes());
}

std::vector<JournaledBooking> SqliteStateStore::pending_of(const std::string& integration, std::size_t limit,
                                                            std::optional<TimePoint> due_by) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_BOOKING_COLUMNS
                      " FROM bookings WHERE state = 'pending' AND integration = ?1 "
                      "AND (?2 IS NULL OR retry_at IS NULL OR retry_at <= ?2) ORDER BY intake_sequence LIMIT ?3");
  q->bind(1, integration).bind(2, to_millis(due_by)).bind(3, static_cast<std::int64_t>(limit));
  return impl_->bookings(q);
}

std::vector<QueueStats> SqliteStateStore::queue_stats() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT integration, count(*), min(received_at) FROM bookings WHERE state = 'pending' GROUP BY integration");
  std::vector<QueueStats> stats;
  while (q->step())
    stats.push_back({q->text(0), static_cast<std::size_t>(q->integer(1)), from_millis(q->optional_integer(2))});
  return stats;
}

std::vector<std::string> SqliteStateStore::integrations_with_due_pending(TimePoint now) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT DISTINCT integration FROM bookings "
                      "WHERE state = 'pending' AND (retry_at IS NULL OR retry_at <= ?1)");
  q->bind(1, to_millis(now));
  std::vector<std::string> integrations;
  while (q->step()) integrations.push_back(q->text(0));
  return integrations;
}

std::vector<JournaledBooking> SqliteStateStore::failed() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_BOOKING_COLUMNS
                      " FROM bookings WHERE state = 'failed' ORDER BY intake_sequence");
  return impl_->bookings(q);
}

std::vector<JournaledBooking> SqliteStateStore::parked(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_BOOKING_COLUMNS
                      " FROM bookings WHERE state = 'parked' AND connection_id = ?1 ORDER BY intake_sequence");
  q->bind(1, connection_id);
  return impl_->bookings(q);
}

std::map<BookingState, std::size_t> SqliteStateStore::count_by_state() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT state, count(*) FROM bookings GROUP BY state");
  return impl_->counts(q);
}

std::map<BookingState, std::size_t> SqliteStateStore::count_by_state_of(const std::string& integration) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT state, count(*) FROM bookings WHERE integration = ?1 GROUP BY state");
  q->bind(1, integration);
  return impl_->counts(q);
}

// Built at run time with only the filters set, so each shape gets its own index (migration 9);
// prepared for this call alone, as the page is read now and then, not in a loop.
BookingPage SqliteStateStore::bookings_page(const BookingQuery& query) {
  std::lock_guard lock(impl_->mutex);
  const auto page = stored::booking_page_statement(query, "SELECT " HUBRULES_BOOKING_COLUMNS_NO_PAYLOAD " FROM bookings", "", '?');
  Statement q(impl_->db.handle(), page.sql, impl_->db.file());
  int index = 0;
  for (const auto& value : page.values) std::visit([&](const auto& v) { q.bind(++index, v); }, value);
  std::vector<JournaledBooking> rows;
  while (q.step()) rows.push_back(read_booking(q, impl_->db.file()));
  return stored::booking_page(std::move(rows), query);
}

bool SqliteStateStore::requeue(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE bookings SET state = 'pending', reason = '', connection_id = NULL, attempts = 0, "
      "last_attempt_at = NULL, retry_at = NULL, updated_at = ?1 WHERE event_id = ?2 AND state IN ('failed', 'parked')");
  q->bind(1, impl_->now()).bind(2, event_id).run();
  return impl_->db.changes() == 1;
}

// ---- (2) outcomes ---------------------------------------------------------------------------

void SqliteStateStore::set_outcome(const std::string& event_id, const BookingOutcome& outcome) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO outcomes (event_id, contact_id, company_id, contact_disposition, company_disposition, associated, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (event_id) DO UPDATE SET "
      "contact_id = excluded.contact_id, company_id = excluded.company_id, "
      "contact_disposition = excluded.contact_disposition, company_disposition = excluded.company_disposition, "
      "associated = excluded.associated, updated_at = excluded.updated_at");
  q->bind(1, event_id)
      .bind(2, outcome.contact_id)
      .bind(3, outcome.company_id)
      .bind(4, to_string(outcome.contact))
      .bind(5, to_string(outcome.company))
      .bind(6, std::int64_t{outcome.associated ? 1 : 0})
      .bind(7, impl_->now())
      .run();
}

std::optional<BookingOutcome> SqliteStateStore::outcome(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT contact_id, company_id, contact_disposition, company_disposition, associated FROM outcomes "
      "WHERE event_id = ?1");
  q->bind(1, event_id);
  if (!q->step()) return std::nullopt;
  return BookingOutcome{q->optional_text(0), q->optional_text(1), disposition_from_string(q->text(2)),
                        disposition_from_string(q->text(3)), q->integer(4) != 0};
}

// ---- (3) records created here ---------------------------------------------------------------

void SqliteStateStore::remember_company(const CreatedCompany& company) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO created_companies (hubspot_id, domain, name, created_at, connection_id) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (hubspot_id) DO NOTHING");
  q->bind(1, company.hubspot_id)
      .bind(2, stored_key(company.domain))
      .bind(3, stored_key(company.name))
      .bind(4, to_millis(company.created_at))
      .bind(5, company.connection_id)
      .run();
}

std::optional<CreatedCompany> SqliteStateStore::find_company(const std::optional<std::string>& domain,
                                                             const std::optional<std::string>& name,
                                                             const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  if (const auto key = stored_key(domain)) {
    auto q = impl_->use(
        "SELECT hubspot_id, domain, name, created_at, connection_id FROM created_companies "
        "WHERE connection_id = ?2 AND domain = ?1 ORDER BY created_at, rowid LIMIT 1");
    q->bind(1, key).bind(2, connection_id);
    if (q->step()) return read_company(*q);
  }
  if (const auto key = stored_key(name)) {
    auto q = impl_->use(
        "SELECT hubspot_id, domain, name, created_at, connection_id FROM created_companies "
        "WHERE connection_id = ?2 AND name = ?1 ORDER BY created_at, rowid LIMIT 1");
    q->bind(1, key).bind(2, connection_id);
    if (q->step()) return read_company(*q);
  }
  return std::nullopt;
}

void SqliteStateStore::remember_contact(const CreatedContact& contact) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO created_contacts (email, hubspot_id, created_at, connection_id) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (connection_id, email) DO NOTHING");
  q->bind(1, text::lower_ascii(contact.email)).bind(2, contact.hubspot_id).bind(3, to_millis(contact.created_at));
  q->bind(4, contact.connection_id).run();
}

std::optional<CreatedContact> SqliteStateStore::find_contact(const std::string& email, const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT hubspot_id, email, created_at, connection_id FROM created_contacts "
      "WHERE connection_id = ?2 AND email = ?1");
  q->bind(1, text::lower_ascii(email)).bind(2, connection_id);
  if (!q->step()) return std::nullopt;
  return CreatedContact{q->text(0), q->text(1), from_millis(q->integer(2)), q->text(3)};
}

// ---- (4) in-doubt creates -------------------------------------------------------------------

void SqliteStateStore::write_intents(const std::vector<CreateIntent>& intents) {
  std::lock_guard lock(impl_->mutex);
  impl_->atomically([&] {
    const std::int64_t now = impl_->now();
    for (const auto& intent : intents) {
      auto q = impl_->use(
          "INSERT INTO create_intents (trace_id, object_type, event_id, written_at, associated_company_id) "
          "VALUES (?1, ?2, ?3, ?4, ?5)");
      q->bind(1, intent.trace_id).bind(2, to_string(intent.object_type)).bind(3, intent.event_id).bind(4, now);
      q->bind(5, intent.associated_company_id).run();
      for (std::size_t position = 0; position < intent.keys.size(); ++position) {
        auto k = impl_->use(
            "INSERT INTO create_intent_keys (trace_id, position, property, value) VALUES (?1, ?2, ?3, ?4)");
        k->bind(1, intent.trace_id)
            .bind(2, static_cast<std::int64_t>(position))
            .bind(3, intent.keys[position].property)
            .bind(4, intent.keys[position].value)
            .run();
      }
    }
  });
}

void SqliteStateStore::resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE create_intents SET status = 'created', hubspot_id = ?1, failure = NULL, resolved_at = ?2 "
      "WHERE trace_id = ?3");
  q->bind(1, hubspot_id).bind(2, impl_->now()).bind(3, trace_id);
  impl_->run_intent_update(q, trace_id);
}

void SqliteStateStore::resolve_intent_failed(const std::string& trace_id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE create_intents SET status = 'failed', hubspot_id = NULL, failure = ?1, resolved_at = ?2 "
      "WHERE trace_id = ?3");
  q->bind(1, reason).bind(2, impl_->now()).bind(3, trace_id);
  impl_->run_intent_update(q, trace_id);
}

std::vector<CreateIntent> SqliteStateStore::unresolved_intents(const std::optional<std::string>& integration) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT i.trace_id, i.object_type, i.event_id, i.written_at, k.property, k.value, i.associated_company_id "
      "FROM create_intents i JOIN bookings b ON b.event_id = i.event_id "
      "LEFT JOIN create_intent_keys k ON k.trace_id = i.trace_id WHERE i.status = 'unresolved' "
      "AND (?1 IS NULL OR b.integration = ?1) ORDER BY i.sequence, k.position");
  q->bind(1, integration);
  std::vector<CreateIntent> intents;
  while (q->step()) {
    if (intents.empty() || intents.back().trace_id != q->text(0)) {
      const auto type = q->text(1) == "company" ? ObjectType::company : ObjectType::contact;
      intents.push_back({q->text(0), type, q->text(2), {}, q->text(6), from_millis(q->integer(3))});
    }
    if (const auto property = q->optional_text(4)) intents.back().keys.push_back({*property, q->text(5)});
  }
  return intents;
}

// ---- (5) connections and tokens -------------------------------------------------------------

void SqliteStateStore::save_connection(const Connection& c) {
  std::lock_guard lock(impl_->mutex);
  // An upsert, not INSERT OR REPLACE: replacing would delete the row its bookings refer to.
  auto q = impl_->use(
      "INSERT INTO connections (" HUBRULES_CONNECTION_COLUMNS
      ", updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT (id) DO UPDATE SET "
      "portal_id = excluded.portal_id, auth_kind = excluded.auth_kind, access_token = excluded.access_token, "
      "refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
      "status = excluded.status, broken_reason = excluded.broken_reason, "
      "last_successful_post_at = excluded.last_successful_post_at, admin_email = excluded.admin_email, "
      "client_id = excluded.client_id, client_secret = excluded.client_secret, "
      "api_base_url = excluded.api_base_url, scopes = excluded.scopes, connected_at = excluded.connected_at, "
      "updated_at = excluded.updated_at");
  q->bind(1, c.id)
      .bind(2, c.portal_id)
      .bind(3, to_string(c.auth))
      .bind(4, c.access_token)
      .bind(5, c.refresh_token)
      .bind(6, to_millis(c.access_expires_at))
      .bind(7, to_string(c.status))
      .bind(8, c.broken_reason)
      .bind(9, to_millis(c.last_successful_post_at))
      .bind(10, c.admin_email)
      .bind(11, c.client_id)
      .bind(12, c.client_secret)
      .bind(13, c.api_base_url)
      .bind(14, c.scopes)
      .bind(15, to_millis(c.connected_at))
      .bind(16, impl_->now())
      .run();
}

std::optional<Connection> SqliteStateStore::connection(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_CONNECTION_COLUMNS " FROM connections WHERE id = ?1");
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  return read_connection(*q);
}

std::vector<Connection> SqliteStateStore::connections() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT " HUBRULES_CONNECTION_COLUMNS " FROM connections ORDER BY id");
  std::vector<Connection> result;
  while (q->step()) result.push_back(read_connection(*q));
  return result;
}

void SqliteStateStore::update_tokens(const std::string& id, const std::string& access_token,
                                     const std::string& refresh_token, std::optional<TimePoint> access_expires_at) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE connections SET access_token = ?1, refresh_token = CASE WHEN ?2 = '' THEN refresh_token ELSE ?2 END, "
      "access_expires_at = ?3, updated_at = ?4 WHERE id = ?5");
  q->bind(1, access_token).bind(2, refresh_token).bind(3, to_millis(access_expires_at));
  q->bind(4, impl_->now()).bind(5, id);
  impl_->run_connection_update(q, id);
}

void SqliteStateStore::mark_broken(const std::string& id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("UPDATE connections SET status = 'broken', broken_reason = ?1, updated_at = ?2 WHERE id = ?3");
  q->bind(1, reason).bind(2, impl_->now()).bind(3, id);
  impl_->run_connection_update(q, id);
}

void SqliteStateStore::mark_ok(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("UPDATE connections SET status = 'ok', broken_reason = '', updated_at = ?1 WHERE id = ?2");
  q->bind(1, impl_->now()).bind(2, id);
  impl_->run_connection_update(q, id);
}

void SqliteStateStore::record_successful_post(const std::string& id, TimePoint at) {
  std::lock_guard lock(impl_->mutex);
  // Never moves back: threads finishing out of order must not make the connection look idler.
  auto q = impl_->use(
      "UPDATE connections SET last_successful_post_at = max(coalesce(last_successful_post_at, ?1), ?1), "
      "updated_at = ?2 WHERE id = ?3");
  q->bind(1, to_millis(at)).bind(2, impl_->now()).bind(3, id);
  impl_->run_connection_update(q, id);
}

void SqliteStateStore::forget_tokens(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE connections SET access_token = '', refresh_token = '', access_expires_at = NULL, updated_at = ?1 "
      "WHERE id = ?2");
  q->bind(1, impl_->now()).bind(2, id);
  impl_->run_connection_update(q, id);
}

// One machine: the refreshing process's own lock orders its refreshes, and holding the file's
// write lock across a token request would stall the intake for that long.
void SqliteStateStore::refresh_tokens_once(
    const std::string& id, const std::function<std::optional<TokenUpdate>(const Connection&)>& refresh) {
  const auto current = connection(id);
  if (!current) impl_->fail("no connection `" + id + "`");
  if (const auto update = refresh(*current))
    update_tokens(id, update->access_token, update->refresh_token, update->access_expires_at);
}

// ---- (6) notifications ----------------------------------------------------------------------

void SqliteStateStore::record_notification(const SentNotification& notification) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("INSERT INTO notifications (connection_id, sent_at, subject) VALUES (?1, ?2, ?3)");
  q->bind(1, notification.connection_id).bind(2, to_millis(notification.sent_at)).bind(3, notification.subject).run();
}

std::optional<SentNotification> SqliteStateStore::last_notification(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT connection_id, sent_at, subject FROM notifications WHERE connection_id = ?1 "
      "ORDER BY sent_at DESC, id DESC LIMIT 1");
  q->bind(1, connection_id);
  if (!q->step()) return std::nullopt;
  return SentNotification{q->text(0), from_millis(q->integer(1)), q->text(2)};
}

// ---- (7) the portal's property schema ----------------------------------------------------------

void SqliteStateStore::save_portal_schema(const std::string& connection_id, const std::string& object,
                                          const PortalSchema& schema) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO portal_schemas (connection_id, object, json, fetched_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (connection_id, object) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at");
  q->bind(1, connection_id).bind(2, object).bind(3, schema.json).bind(4, to_millis(schema.fetched_at)).run();
}

std::optional<PortalSchema> SqliteStateStore::portal_schema(const std::string& connection_id,
                                                            const std::string& object) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT json, fetched_at FROM portal_schemas WHERE connection_id = ?1 AND object = ?2");
  q->bind(1, connection_id).bind(2, object);
  if (!q->step()) return std::nullopt;
  return PortalSchema{q->text(0), from_millis(q->integer(1))};
}

void SqliteStateStore::forget_portal_schema(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("DELETE FROM portal_schemas WHERE connection_id = ?1");
  q->bind(1, connection_id).run();
}

// ---- (8) leases --------------------------------------------------------------------------------

std::optional<Lease> SqliteStateStore::acquire_lease(const std::string& connection_id, const std::string& owner,
                                                     Millis duration) {
  std::lock_guard lock(impl_->mutex);
  std::optional<Lease> taken;
  impl_->atomically([&] {
    const std::int64_t now = impl_->now();
    const std::optional<Lease> before = lease(connection_id);
    auto q = impl_->use(
        "INSERT INTO leases (connection_id, owner, epoch, expires_at) VALUES (?1, ?2, 1, ?3) "
        "ON CONFLICT (connection_id) DO UPDATE SET "
        "epoch = CASE WHEN leases.owner = excluded.owner THEN leases.epoch ELSE leases.epoch + 1 END, "
        "owner = excluded.owner, expires_at = excluded.expires_at "
        "WHERE leases.owner = excluded.owner OR leases.expires_at <= ?4 "
        "RETURNING connection_id, owner, epoch, expires_at");
    q->bind(1, connection_id).bind(2, owner).bind(3, now + duration.count()).bind(4, now);
    if (!q->step()) return;
    taken = read_lease(*q);
    q->reset();
    taken->acquired_at = from_millis(now);
    if (before && before->owner != owner)
      taken->previous_until = std::min(before->expires_at, from_millis(now));
  });
  return taken;
}

std::optional<Lease> SqliteStateStore::renew_lease(const Lease& lease, Millis duration) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE leases SET expires_at = ?1 WHERE connection_id = ?2 AND owner = ?3 AND epoch = ?4 "
      "RETURNING connection_id, owner, epoch, expires_at");
  q->bind(1, impl_->now() + duration.count()).bind(2, lease.connection_id).bind(3, lease.owner).bind(4, lease.epoch);
  if (!q->step()) return std::nullopt;
  Lease renewed = read_lease(*q);
  q->reset();
  return renewed;
}

bool SqliteStateStore::holds_lease(const Lease& lease) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT 1 FROM leases WHERE connection_id = ?1 AND owner = ?2 AND epoch = ?3");
  q->bind(1, lease.connection_id).bind(2, lease.owner).bind(3, lease.epoch);
  return q->step();
}

// Expires it now rather than deleting it: the epoch must keep rising for the next owner.
void SqliteStateStore::release_lease(const Lease& lease) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE leases SET expires_at = min(expires_at, ?1) WHERE connection_id = ?2 AND owner = ?3 AND epoch = ?4");
  q->bind(1, impl_->now()).bind(2, lease.connection_id).bind(3, lease.owner).bind(4, lease.epoch).run();
}

std::optional<Lease> SqliteStateStore::take_over_lease(const Lease& dead, const std::string& owner, Millis duration) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "UPDATE leases SET owner = ?1, epoch = epoch + 1, expires_at = ?2 WHERE connection_id = ?3 AND owner = ?4 "
      "AND epoch = ?5 RETURNING connection_id, owner, epoch, expires_at");
  q->bind(1, owner).bind(2, impl_->now() + duration.count()).bind(3, dead.connection_id).bind(4, dead.owner);
  q->bind(5, dead.epoch);
  if (!q->step()) return std::nullopt;
  Lease taken = read_lease(*q);
  q->reset();
  // Its owner is gone: whatever it sent, it sent before now.
  taken.acquired_at = taken.previous_until.emplace(from_millis(impl_->now()));
  return taken;
}

std::optional<Lease> SqliteStateStore::lease(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT connection_id, owner, epoch, expires_at FROM leases WHERE connection_id = ?1");
  q->bind(1, connection_id);
  if (!q->step()) return std::nullopt;
  Lease found = read_lease(*q);
  q->reset();
  return found;
}

std::vector<Lease> SqliteStateStore::leases() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT connection_id, owner, epoch, expires_at FROM leases ORDER BY connection_id");
  std::vector<Lease> all;
  while (q->step()) all.push_back(read_lease(*q));
  return all;
}

// ---- (11) workers ------------------------------------------------------------------------------

void SqliteStateStore::heartbeat(const std::string& owner, Millis ttl) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO workers (owner, expires_at) VALUES (?1, ?2) "
      "ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at");
  q->bind(1, owner).bind(2, impl_->now() + ttl.count()).run();
}

std::vector<Worker> SqliteStateStore::live_workers() {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT owner, expires_at FROM workers WHERE expires_at > ?1 ORDER BY owner");
  q->bind(1, impl_->now());
  std::vector<Worker> live;
  while (q->step()) live.push_back({q->text(0), from_millis(q->integer(1))});
  return live;
}

void SqliteStateStore::leave(const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("DELETE FROM workers WHERE owner = ?1");
  q->bind(1, owner).run();
}

// ---- (9) dead letters ----------------------------------------------------------------------------

std::int64_t SqliteStateStore::add_dead_letter(const DeadLetter& letter) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "INSERT INTO dead_letters (integration, body, reason, received_at) VALUES (?1, ?2, ?3, ?4) RETURNING id");
  q->bind(1, letter.integration).bind(2, letter.body).bind(3, letter.reason).bind(4, to_millis(letter.received_at));
  q->step();
  const std::int64_t id = q->integer(0);
  q->reset();
  return id;
}

std::vector<DeadLetter> SqliteStateStore::dead_letters(std::size_t limit) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT id, integration, body, reason, received_at FROM dead_letters ORDER BY id DESC LIMIT ?1");
  q->bind(1, static_cast<std::int64_t>(limit));
  std::vector<DeadLetter> letters;
  while (q->step()) letters.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), from_millis(q->integer(4))});
  return letters;
}

std::vector<DeadLetter> SqliteStateStore::dead_letters_page(std::size_t limit, std::optional<std::int64_t> before_id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use(
      "SELECT id, integration, reason, received_at FROM dead_letters WHERE id < ?1 ORDER BY id DESC LIMIT ?2");
  q->bind(1, before_or_newest(before_id)).bind(2, static_cast<std::int64_t>(page_limit(limit)));
  std::vector<DeadLetter> letters;
  while (q->step()) letters.push_back({q->integer(0), q->text(1), {}, q->text(2), from_millis(q->integer(3))});
  return letters;
}

std::optional<DeadLetter> SqliteStateStore::dead_letter(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  auto q = impl_->use("SELECT id, integration, body, reason, received_at FROM dead_letters WHERE id = ?1");
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  return DeadLetter{q->integer(0), q->text(1), q->text(2), q->text(3), from_millis(q->integer(4))};
}

// ---- retention -----------------------------------------------------------------------------------

std::size_t SqliteStateStore::drop_payloads_before(TimePoint before) {
  std::lock_guard lock(impl_->mutex);
  std::size_t dropped = 0;
  impl_->atomically([&] {
    auto payloads = impl_->use(
        "DELETE FROM booking_payloads WHERE intake_sequence IN (SELECT p.intake_sequence FROM booking_payloads p "
        "JOIN bookings b ON b.intake_sequence = p.intake_sequence "
        "WHERE b.state IN ('delivered', 'skipped', 'invalid') AND b.updated_at < ?1)");
    payloads->bind(1, to_millis(before)).run();
    dropped += static_cast<std::size_t>(impl_->db.changes());
    auto letters = impl_->use("UPDATE dead_letters SET body = '' WHERE body <> '' AND received_at < ?1");
    letters->bind(1, to_millis(before)).run();
    dropped += static_cast<std::size_t>(impl_->db.changes());
    // A settled intent only mattered until it was settled; its booking's outcome stays.
    auto intents = impl_->use("DELETE FROM create_intents WHERE status <> 'unresolved' AND resolved_at < ?1");
    intents->bind(1, to_millis(before)).run();
  });
  if (dropped > 0 && impl_->transaction_depth == 0) impl_->db.exec("PRAGMA incremental_vacuum");
  return dropped;
}

}  // namespace hubrules::runtime
