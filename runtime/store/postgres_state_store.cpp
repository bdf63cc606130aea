#include "runtime/store/postgres_state_store.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <set>
#include <variant>

#include "engine/text/ascii_case.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/store/postgres_connection.hpp"
#include "runtime/store/postgres_schema.hpp"
#include "runtime/store/stored_values.hpp"

namespace hubrules::runtime {
namespace {

using postgres::Params;
using postgres::Result;

// The channel the commits NOTIFY and the PendingListener LISTENs on.
constexpr const char* kPendingChannel = "hubrules_pending";

// ---- values ---------------------------------------------------------------------------------

using stored::before_or_newest;
using stored::disposition_from_string;
using stored::from_millis;
using stored::page_limit;
using stored::stored_key;
using stored::to_millis;

// ---- SQL pieces -------------------------------------------------------------------------------

// The database's clock in milliseconds; clock_timestamp(), not now(), which stands still for a
// whole transaction. Statements on the store's clock write `coalesce($n::bigint, DB_NOW)` and
// bind NULL when the database's clock decides (Impl::lease_now).
#define HUBRULES_DB_NOW "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

#define HUBRULES_FINAL_STATES "('delivered', 'skipped', 'invalid')"

#define HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD \
  "b.state, b.reason, coalesce(b.connection_id, ''), b.attempts, b.intake_sequence, b.received_at, b.updated_at, " \
  "b.last_attempt_at, b.integration, b.retry_at"
#define HUBRULES_BOOKING_COLUMNS "b.event_id, coalesce(p.payload, ''::bytea), " HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD
// The same columns with an empty payload, for lists.
#define HUBRULES_BOOKING_COLUMNS_NO_PAYLOAD "b.event_id, ''::bytea, " HUBRULES_BOOKING_COLUMNS_AFTER_PAYLOAD

#define HUBRULES_BOOKINGS_WITH_PAYLOAD \
  "bookings b LEFT JOIN booking_payloads p ON p.intake_sequence = b.intake_sequence"

// Appended to `WITH b AS (UPDATE bookings … RETURNING intake_sequence, event_id, integration,
// state, retry_at)`: the hot queue follows the bookings the update changed in the same statement
// (those still unfinished are upserted, the final ones leave it), and the statement answers how
// many bookings it changed. HUBRULES_SYNC_QUEUE_CTES alone leaves the answer to the statement.
#define HUBRULES_SYNC_QUEUE_CTES                                                                           \
  ", kept AS (INSERT INTO booking_queue (intake_sequence, event_id, integration, state, retry_at) "      \
  "SELECT intake_sequence, event_id, integration, state, retry_at FROM b WHERE state NOT IN " HUBRULES_FINAL_STATES \
  " ON CONFLICT (intake_sequence) DO UPDATE SET state = excluded.state, retry_at = excluded.retry_at RETURNING 1), " \
  "gone AS (DELETE FROM booking_queue q USING b WHERE q.intake_sequence = b.intake_sequence "                \
  "AND b.state IN " HUBRULES_FINAL_STATES " RETURNING 1)"
#define HUBRULES_SYNC_QUEUE HUBRULES_SYNC_QUEUE_CTES " SELECT count(*) FROM b"

#define HUBRULES_BOOKING_RETURNING " RETURNING intake_sequence, event_id, integration, state, retry_at)"

#define HUBRULES_CONNECTION_COLUMNS                                                                      \
  "id, portal_id, auth_kind, access_token, refresh_token, access_expires_at, status, broken_reason, " \
  "last_successful_post_at, admin_email, client_id, client_secret, api_base_url, scopes, connected_at"

#define HUBRULES_LEASE_COLUMNS "connection_id, owner, epoch, expires_at, acquired_at, previous_until"

// ---- rows -------------------------------------------------------------------------------------

JournaledBooking read_booking(const Result& r, int row) {
  JournaledBooking b;
  b.event_id = r.text(row, 0);
  b.payload = r.bytes(row, 1);
  b.state = booking_state_from_string(r.text(row, 2)).value_or(BookingState::pending);  // CHECKed by the table
  b.reason = r.text(row, 3);
  b.connection_id = r.text(row, 4);
  b.attempts = static_cast<int>(r.integer(row, 5));
  b.intake_sequence = r.integer(row, 6);
  b.received_at = from_millis(r.integer(row, 7));
  b.updated_at = from_millis(r.integer(row, 8));
  b.last_attempt_at = from_millis(r.optional_integer(row, 9));
  b.integration = r.text(row, 10);
  b.retry_at = from_millis(r.optional_integer(row, 11));
  return b;
}

std::vector<JournaledBooking> read_bookings(const Result& r) {
  std::vector<JournaledBooking> result;
  result.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) result.push_back(read_booking(r, row));
  return result;
}

Connection read_connection(const Result& r, int row) {
  Connection c;
  c.id = r.text(row, 0);
  c.portal_id = r.optional_integer(row, 1);
  c.auth = r.text(row, 2) == "oauth" ? AuthKind::oauth : AuthKind::private_app;
  c.access_token = r.text(row, 3);
  c.refresh_token = r.text(row, 4);
  c.access_expires_at = from_millis(r.optional_integer(row, 5));
  c.status = r.text(row, 6) == "broken" ? ConnectionStatus::broken : ConnectionStatus::ok;
  c.broken_reason = r.text(row, 7);
  c.last_successful_post_at = from_millis(r.optional_integer(row, 8));
  c.admin_email = r.text(row, 9);
  c.client_id = r.text(row, 10);
  c.client_secret = r.text(row, 11);
  c.api_base_url = r.text(row, 12);
  c.scopes = r.text(row, 13);
  c.connected_at = from_millis(r.optional_integer(row, 14));
  return c;
}

CreatedCompany read_company(const Result& r) {
  return {r.text(0, 0), r.optional_text(0, 1), r.optional_text(0, 2), from_millis(r.integer(0, 3)), r.text(0, 4)};
}

Lease read_lease(const Result& r, int row) {
  return {r.text(row, 0), r.text(row, 1), r.integer(row, 2), from_millis(r.integer(row, 3)),
          from_millis(r.optional_integer(row, 5)), from_millis(r.integer(row, 4))};
}

// Reads `state, count(*)` rows into counts that list every state.
std::map<BookingState, std::size_t> read_counts(const Result& r) {
  auto counts = stored::zero_counts();
  for (int row = 0; row < r.rows(); ++row) {
    if (const auto state = booking_state_from_string(r.text(row, 0))) {
      counts[*state] = static_cast<std::size_t>(r.integer(row, 1));
    }
  }
  return counts;
}

void bind_page_value(Params& params, const std::string& value) { params.text(value); }
void bind_page_value(Params& params, std::int64_t value) { params.integer(value); }

std::string session_setting(int millis) { return std::to_string(millis < 0 ? 0 : millis); }

}  // namespace

// ---- the connection and its transactions ------------------------------------------------------

struct PostgresStateStore::Impl {
  Impl(const std::string& url, Clock& store_clock, const PostgresStoreOptions& store_options)
      : clock(store_clock),
        options(store_options),
        session(url, redacted_location(url),
                {{"statement_timeout", session_setting(options.statement_timeout_ms)},
                 {"lock_timeout", session_setting(options.lock_timeout_ms)},
                 {"idle_in_transaction_session_timeout", session_setting(options.idle_in_transaction_timeout_ms)},
                 {"client_encoding", "UTF8"}}) {}

  Clock& clock;
  PostgresStoreOptions options;
  postgres::Session session;
  std::recursive_mutex mutex;
  int transaction_depth = 0;
  // Integrations journaled in the open transaction: each is NOTIFYed once, at its COMMIT.
  std::set<std::string> journaled;

  std::int64_t now() const { return to_millis(clock.now()); }

  // For leases and heartbeats: NULL lets the statement read the database's clock.
  std::optional<std::int64_t> lease_now() const {
    return options.database_clock ? std::nullopt : std::optional(now());
  }

  [[noreturn]] void fail(const std::string& what) const { session.fail(what); }

  Result exec(std::string_view sql, const Params& params = {}) { return session.exec(sql, params); }

  // BEGIN … COMMIT, or a savepoint inside an open transaction, so that a failing inner call
  // undoes only its own work (PostgreSQL would otherwise abort the whole transaction).
  template <typename Work>
  void atomically(Work&& work) {
    const bool outermost = transaction_depth == 0;
    // An undone savepoint's bookings were never journaled: they must not be announced.
    const auto journaled_before = outermost ? std::set<std::string>{} : journaled;
    begin(outermost);
    ++transaction_depth;
    try {
      work();
    } catch (...) {
      --transaction_depth;
      undo(outermost);
      if (!outermost) journaled = journaled_before;
      throw;
    }
    --transaction_depth;
    finish(outermost);
  }

  void begin(bool outermost) {
    if (!outermost) {
      exec("SAVEPOINT hubrules_nested");
      return;
    }
    exec("BEGIN");
    session.set_transaction_open(true);
    journaled.clear();
  }

  void undo(bool outermost) noexcept {
    // A lost connection took its transaction with it: nothing is left to roll back.
    if (!session.connected()) {
      if (outermost) closed();
      return;
    }
    try {
      exec(outermost ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT hubrules_nested");
      if (!outermost) exec("RELEASE SAVEPOINT hubrules_nested");
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
    if (outermost) closed();
  }

  void finish(bool outermost) {
    if (!outermost) {
      exec("RELEASE SAVEPOINT hubrules_nested");
      return;
    }
    try {
      notify_journaled();
      exec("COMMIT");
    } catch (...) {
      undo(true);
      throw;
    }
    closed();
  }

  void closed() {
    session.set_transaction_open(false);
    journaled.clear();
  }

  // NOTIFY is transactional: listeners hear it only if the bookings committed.
  void notify_journaled() {
    for (const auto& integration : journaled) {
      exec("SELECT pg_notify($1, $2)", Params().text(kPendingChannel).text(integration));
    }
  }

  // Work of several statements that needs no savepoint of its own inside an open transaction
  // (it cannot fail half-way but on a lost connection), and a transaction outside one.
  template <typename Work>
  void in_transaction(Work&& work) {
    if (transaction_depth > 0) {
      work();
    } else {
      atomically(std::forward<Work>(work));
    }
  }

  // A statement that may fail (a foreign key, a CHECK) runs under a savepoint inside a
  // transaction: PostgreSQL would abort the whole transaction, SQLite undoes only the failed
  // statement. Outside one, the statement is a transaction of its own.
  template <typename Work>
  void guarded(Work&& work) {
    if (transaction_depth > 0) {
      atomically(std::forward<Work>(work));
    } else {
      work();
    }
  }

  // ---- migrations ----

  int current_version() {
    // Two statements: a query naming a missing table fails to plan, whatever CASE guards it.
    // pg_class is read with the statement's snapshot (to_regclass would use the catalog caches,
    // which may not yet show a table another worker created while we waited for the lock).
    const auto exists = exec(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'schema_migrations' AND n.nspname = current_schema())");
    if (!exists.boolean(0, 0)) return 0;
    return static_cast<int>(exec("SELECT coalesce(max(version), 0) FROM schema_migrations").integer(0, 0));
  }

  void refuse_newer(int version) const {
    const int latest = postgres_schema::latest_version();
    if (version > latest) {
      fail("its schema version " + std::to_string(version) + " is newer than this hubrules knows (" +
           std::to_string(latest) + "); use a newer hubrules");
    }
  }

  void require_latest() {
    const int version = current_version();
    refuse_newer(version);
    const int latest = postgres_schema::latest_version();
    if (version == latest) return;
    // The message names the location itself, so it needs no "state store …:" before it.
    throw StoreError("the PostgreSQL state store is at schema version " + std::to_string(version) +
                     ", this hubrules needs " + std::to_string(latest) + ": run `hubrules migrate --state " +
                     session.location() + "`");
  }

  int migrate() {
    const int before = current_version();
    refuse_newer(before);
    for (const auto& migration : postgres_schema::migrations()) {
      if (migration.version > before) apply(migration, before == 0);
    }
    return before;
  }

  void apply(const postgres_schema::Migration& migration, bool new_database) {
    atomically([&] {
      // Held until COMMIT: a worker starting at the same time waits, then finds it applied.
      exec("SELECT pg_advisory_xact_lock($1)", Params().integer(postgres_schema::kMigrationLock));
      if (current_version() >= migration.version) return;
      session.exec_script(migration.sql);
      exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
           Params().integer(migration.version).text(migration.description).integer(now()));
      const auto level = new_database ? spdlog::level::debug : spdlog::level::info;
      spdlog::log(level, "state store {}: schema migrated to version {} ({})", session.location(), migration.version,
                  migration.description);
    });
  }

  // ---- helpers ----

  // Why an UPDATE of one booking changed nothing.
  [[noreturn]] void fail_unchanged_booking(const std::string& event_id, std::string_view wanted) {
    const auto r = exec("SELECT state FROM bookings WHERE event_id = $1", Params().text(event_id));
    if (r.empty()) fail("no booking with event id " + event_id);
    fail("booking " + event_id + " is " + r.text(0, 0) + ", which is final; it cannot become " + std::string(wanted));
  }

  // Runs a statement ending in HUBRULES_SYNC_QUEUE; returns how many bookings it changed.
  std::size_t change_bookings(std::string_view sql, const Params& params) {
    return static_cast<std::size_t>(exec(sql, params).integer(0, 0));
  }

  void update_connection(std::string_view sql, const Params& params, const std::string& id) {
    if (exec(sql, params).affected() == 0) fail("no connection \"" + id + "\"");
  }

  void update_intent(std::string_view sql, const Params& params, const std::string& trace_id) {
    if (exec(sql, params).affected() == 0) fail("no create intent with trace id " + trace_id);
  }

  std::optional<Lease> one_lease(const Result& r) {
    if (r.empty()) return std::nullopt;
    return read_lease(r, 0);
  }
};

PostgresStateStore::PostgresStateStore(const std::string& url, Clock& clock, PostgresStoreOptions options)
    : impl_(std::make_unique<Impl>(url, clock, options)) {
  impl_->session.connect();
  if (options.migrate) {
    impl_->migrate();
  } else if (options.check_schema) {
    impl_->require_latest();
  }
}

PostgresStateStore::~PostgresStateStore() = default;

int PostgresStateStore::latest_schema_version() { return postgres_schema::latest_version(); }

int PostgresStateStore::schema_version() {
  std::lock_guard lock(impl_->mutex);
  return impl_->current_version();
}

int PostgresStateStore::migrate() {
  std::lock_guard lock(impl_->mutex);
  return impl_->migrate();
}

void PostgresStateStore::transaction(const std::function<void(StateStore&)>& work) {
  std::lock_guard lock(impl_->mutex);
  impl_->atomically([&] { work(*this); });
}

// ---- (1) intake journal -------------------------------------------------------------------------

bool PostgresStateStore::journal(const std::string& integration, const std::string& event_id,
                                 std::string_view payload, TimePoint received_at) {
  std::lock_guard lock(impl_->mutex);
  bool added = false;
  // One statement; a transaction of its own outside transaction() so that its NOTIFY goes
  // with its COMMIT.
  impl_->in_transaction([&] {
    const auto r = impl_->exec(
        "WITH b AS (INSERT INTO bookings (event_id, integration, state, received_at, updated_at) "
        "VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT (event_id) DO NOTHING "
        "RETURNING intake_sequence, event_id, integration), "
        "p AS (INSERT INTO booking_payloads (intake_sequence, payload) SELECT intake_sequence, $5::bytea FROM b), "
        "q AS (INSERT INTO booking_queue (intake_sequence, event_id, integration, state) "
        "SELECT intake_sequence, event_id, integration, 'pending' FROM b) "
        "SELECT intake_sequence FROM b",
        Params().text(event_id).text(integration).integer(to_millis(received_at)).integer(impl_->now()).bytes(payload));
    added = !r.empty();
    if (added) impl_->journaled.insert(integration);
  });
  return added;
}

std::optional<JournaledBooking> PostgresStateStore::booking(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT " HUBRULES_BOOKING_COLUMNS " FROM " HUBRULES_BOOKINGS_WITH_PAYLOAD
                             " WHERE b.event_id = $1",
                             Params().text(event_id));
  if (r.empty()) return std::nullopt;
  return read_booking(r, 0);
}

void PostgresStateStore::set_state(const std::string& event_id, BookingState state, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  if (state == BookingState::parked) impl_->fail("booking " + event_id + ": parking goes through park()");
  const auto changed = impl_->change_bookings(
      "WITH b AS (UPDATE bookings SET state = $1, reason = $2, connection_id = NULL, retry_at = NULL, "
      "updated_at = $3 WHERE event_id = $4 AND (state NOT IN " HUBRULES_FINAL_STATES " OR state = $1)"
      HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE,
      Params().text(to_string(state)).text(reason).integer(impl_->now()).text(event_id));
  if (changed == 0) impl_->fail_unchanged_booking(event_id, to_string(state));
}

int PostgresStateStore::record_attempt(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "UPDATE bookings SET attempts = attempts + 1, last_attempt_at = $1, updated_at = $1 WHERE event_id = $2 "
      "RETURNING attempts",
      Params().integer(impl_->now()).text(event_id));
  if (r.empty()) impl_->fail("no booking with event id " + event_id);
  return static_cast<int>(r.integer(0, 0));
}

void PostgresStateStore::retry_later(const std::string& event_id, std::string_view reason, TimePoint at) {
  std::lock_guard lock(impl_->mutex);
  const auto changed = impl_->change_bookings(
      "WITH b AS (UPDATE bookings SET state = 'pending', reason = $1, retry_at = $2, connection_id = NULL, "
      "updated_at = $3 WHERE event_id = $4 AND state NOT IN " HUBRULES_FINAL_STATES
      HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE,
      Params().text(reason).integer(to_millis(at)).integer(impl_->now()).text(event_id));
  if (changed == 0) impl_->fail_unchanged_booking(event_id, "pending");
}

void PostgresStateStore::park(const std::string& event_id, const std::string& connection_id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  // Guarded: an unknown connection fails on the foreign key.
  impl_->guarded([&] {
    const auto changed = impl_->change_bookings(
        "WITH b AS (UPDATE bookings SET state = 'parked', reason = $1, connection_id = $2, retry_at = NULL, "
        "updated_at = $3 WHERE event_id = $4 AND state NOT IN " HUBRULES_FINAL_STATES
        HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE,
        Params().text(reason).text(connection_id).integer(impl_->now()).text(event_id));
    if (changed == 0) impl_->fail_unchanged_booking(event_id, "parked");
  });
}

// Released and requeued bookings start their attempts afresh: the pipeline bounds each run.
// Both find their bookings through the small queue rather than the whole journal.
std::size_t PostgresStateStore::release_parked(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  return impl_->change_bookings(
      "WITH b AS (UPDATE bookings SET state = 'pending', reason = '', connection_id = NULL, attempts = 0, "
      "last_attempt_at = NULL, updated_at = $1 WHERE intake_sequence IN "
      "(SELECT intake_sequence FROM booking_queue WHERE state = 'parked') "
      "AND state = 'parked' AND connection_id = $2" HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE,
      Params().integer(impl_->now()).text(connection_id));
}

std::size_t PostgresStateStore::requeue_failed() {
  std::lock_guard lock(impl_->mutex);
  return impl_->change_bookings(
      "WITH b AS (UPDATE bookings SET state = 'pending', reason = '', attempts = 0, last_attempt_at = NULL, "
      "retry_at = NULL, updated_at = $1 WHERE intake_sequence IN (SELECT intake_sequence FROM booking_queue "
      "WHERE state = 'failed' OR (state = 'pending' AND retry_at IS NOT NULL)) "
      "AND (state = 'failed' OR (state = 'pending' AND retry_at IS NOT NULL))"
      HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE,
      Params().integer(impl_->now()));
}

// A claim as well as a read: rows another session has locked (claimed, or being updated) are
// skipped, never waited on. Outside a transaction the statement is its own short transaction.
std::vector<JournaledBooking> PostgresStateStore::pending_of(const std::string& integration, std::size_t limit,
                                                             std::optional<TimePoint> due_by) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT " HUBRULES_BOOKING_COLUMNS " FROM booking_queue q "
      "JOIN bookings b ON b.intake_sequence = q.intake_sequence "
      "LEFT JOIN booking_payloads p ON p.intake_sequence = q.intake_sequence "
      "WHERE q.state = 'pending' AND q.integration = $1 "
      "AND ($2::bigint IS NULL OR q.retry_at IS NULL OR q.retry_at <= $2::bigint) "
      "ORDER BY q.intake_sequence LIMIT $3 FOR UPDATE OF q SKIP LOCKED",
      Params().text(integration).integer(to_millis(due_by)).integer(static_cast<std::int64_t>(limit)));
  return read_bookings(r);
}

std::vector<QueueStats> PostgresStateStore::queue_stats() {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT q.integration, count(*), min(b.received_at) FROM booking_queue q "
      "JOIN bookings b ON b.intake_sequence = q.intake_sequence WHERE q.state = 'pending' "
      "GROUP BY q.integration ORDER BY q.integration");
  std::vector<QueueStats> stats;
  for (int row = 0; row < r.rows(); ++row) {
    stats.push_back({r.text(row, 0), static_cast<std::size_t>(r.integer(row, 1)),
                     from_millis(r.optional_integer(row, 2))});
  }
  return stats;
}

// Reads only the ready rows' partial index (booking_queue_ready) and their heap rows: an idle
// queue costs next to nothing however many bookings are finished.
std::vector<std::string> PostgresStateStore::integrations_with_due_pending(TimePoint now) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT DISTINCT integration FROM booking_queue "
      "WHERE state = 'pending' AND (retry_at IS NULL OR retry_at <= $1::bigint)",
      Params().integer(to_millis(now)));
  std::vector<std::string> integrations;
  for (int row = 0; row < r.rows(); ++row) integrations.push_back(r.text(row, 0));
  return integrations;
}

std::vector<JournaledBooking> PostgresStateStore::failed() {
  std::lock_guard lock(impl_->mutex);
  return read_bookings(impl_->exec("SELECT " HUBRULES_BOOKING_COLUMNS " FROM booking_queue q "
                                   "JOIN " HUBRULES_BOOKINGS_WITH_PAYLOAD " ON b.intake_sequence = q.intake_sequence "
                                   "WHERE q.state = 'failed' ORDER BY q.intake_sequence"));
}

std::vector<JournaledBooking> PostgresStateStore::parked(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  return read_bookings(impl_->exec("SELECT " HUBRULES_BOOKING_COLUMNS " FROM booking_queue q "
                                   "JOIN " HUBRULES_BOOKINGS_WITH_PAYLOAD " ON b.intake_sequence = q.intake_sequence "
                                   "WHERE q.state = 'parked' AND b.connection_id = $1 ORDER BY q.intake_sequence",
                                   Params().text(connection_id)));
}

std::map<BookingState, std::size_t> PostgresStateStore::count_by_state() {
  std::lock_guard lock(impl_->mutex);
  return read_counts(impl_->exec("SELECT state, count(*) FROM bookings GROUP BY state"));
}

std::map<BookingState, std::size_t> PostgresStateStore::count_by_state_of(const std::string& integration) {
  std::lock_guard lock(impl_->mutex);
  return read_counts(impl_->exec("SELECT state, count(*) FROM bookings WHERE integration = $1 GROUP BY state",
                                 Params().text(integration)));
}

// From `bookings`, which holds every booking whatever its state (booking_queue repeats only the
// unfinished ones), with only the filters set so that each shape gets its index (migration 2).
BookingPage PostgresStateStore::bookings_page(const BookingQuery& query) {
  std::lock_guard lock(impl_->mutex);
  const auto page = stored::booking_page_statement(
      query, "SELECT " HUBRULES_BOOKING_COLUMNS_NO_PAYLOAD " FROM bookings b", "b.", '$');
  Params params;
  for (const auto& value : page.values) std::visit([&](const auto& v) { bind_page_value(params, v); }, value);
  return stored::booking_page(read_bookings(impl_->exec(page.sql, params)), query);
}

// Back into the queue the deliveries claim from, in the same statement; its integration is
// announced at COMMIT like a journaled booking's, so the worker holding its portal wakes.
bool PostgresStateStore::requeue(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  bool requeued = false;
  impl_->in_transaction([&] {
    const auto r = impl_->exec(
        "WITH b AS (UPDATE bookings SET state = 'pending', reason = '', connection_id = NULL, attempts = 0, "
        "last_attempt_at = NULL, retry_at = NULL, updated_at = $1 WHERE event_id = $2 "
        "AND state IN ('failed', 'parked')" HUBRULES_BOOKING_RETURNING HUBRULES_SYNC_QUEUE_CTES
        " SELECT integration FROM b",
        Params().integer(impl_->now()).text(event_id));
    requeued = !r.empty();
    if (requeued) impl_->journaled.insert(r.text(0, 0));
  });
  return requeued;
}

// ---- (2) outcomes -------------------------------------------------------------------------------

void PostgresStateStore::set_outcome(const std::string& event_id, const BookingOutcome& outcome) {
  std::lock_guard lock(impl_->mutex);
  // Guarded: an unknown booking fails on the foreign key.
  impl_->guarded([&] {
    impl_->exec(
        "INSERT INTO outcomes (event_id, contact_id, company_id, contact_disposition, company_disposition, "
        "associated, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO UPDATE SET "
        "contact_id = excluded.contact_id, company_id = excluded.company_id, "
        "contact_disposition = excluded.contact_disposition, company_disposition = excluded.company_disposition, "
        "associated = excluded.associated, updated_at = excluded.updated_at",
        Params()
            .text(event_id)
            .text(outcome.contact_id)
            .text(outcome.company_id)
            .text(to_string(outcome.contact))
            .text(to_string(outcome.company))
            .boolean(outcome.associated)
            .integer(impl_->now()));
  });
}

std::optional<BookingOutcome> PostgresStateStore::outcome(const std::string& event_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT contact_id, company_id, contact_disposition, company_disposition, associated FROM outcomes "
      "WHERE event_id = $1",
      Params().text(event_id));
  if (r.empty()) return std::nullopt;
  return BookingOutcome{r.optional_text(0, 0), r.optional_text(0, 1), disposition_from_string(r.text(0, 2)),
                        disposition_from_string(r.text(0, 3)), r.boolean(0, 4)};
}

// ---- (3) records created here -------------------------------------------------------------------

void PostgresStateStore::remember_company(const CreatedCompany& company) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec(
      "INSERT INTO created_companies (hubspot_id, domain, name, created_at, connection_id) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hubspot_id) DO NOTHING",
      Params()
          .text(company.hubspot_id)
          .text(stored_key(company.domain))
          .text(stored_key(company.name))
          .integer(to_millis(company.created_at))
          .text(company.connection_id));
}

std::optional<CreatedCompany> PostgresStateStore::find_company(const std::optional<std::string>& domain,
                                                               const std::optional<std::string>& name,
                                                               const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  if (const auto key = stored_key(domain)) {
    const auto r = impl_->exec(
        "SELECT hubspot_id, domain, name, created_at, connection_id FROM created_companies "
        "WHERE connection_id = $2 AND domain = $1 ORDER BY created_at, sequence LIMIT 1",
        Params().text(key).text(connection_id));
    if (!r.empty()) return read_company(r);
  }
  if (const auto key = stored_key(name)) {
    const auto r = impl_->exec(
        "SELECT hubspot_id, domain, name, created_at, connection_id FROM created_companies "
        "WHERE connection_id = $2 AND name = $1 ORDER BY created_at, sequence LIMIT 1",
        Params().text(key).text(connection_id));
    if (!r.empty()) return read_company(r);
  }
  return std::nullopt;
}

void PostgresStateStore::remember_contact(const CreatedContact& contact) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec(
      "INSERT INTO created_contacts (email, hubspot_id, created_at, connection_id) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (connection_id, email) DO NOTHING",
      Params()
          .text(text::lower_ascii(contact.email))
          .text(contact.hubspot_id)
          .integer(to_millis(contact.created_at))
          .text(contact.connection_id));
}

std::optional<CreatedContact> PostgresStateStore::find_contact(const std::string& email,
                                                               const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT hubspot_id, email, created_at, connection_id FROM created_contacts "
      "WHERE connection_id = $2 AND email = $1",
      Params().text(text::lower_ascii(email)).text(connection_id));
  if (r.empty()) return std::nullopt;
  return CreatedContact{r.text(0, 0), r.text(0, 1), from_millis(r.integer(0, 2)), r.text(0, 3)};
}

// ---- (4) in-doubt creates -----------------------------------------------------------------------

void PostgresStateStore::write_intents(const std::vector<CreateIntent>& intents) {
  std::lock_guard lock(impl_->mutex);
  impl_->atomically([&] {
    const std::int64_t now = impl_->now();
    for (const auto& intent : intents) {
      impl_->exec(
          "INSERT INTO create_intents (trace_id, object_type, event_id, written_at, associated_company_id) "
          "VALUES ($1, $2, $3, $4, $5)",
          Params()
              .text(intent.trace_id)
              .text(to_string(intent.object_type))
              .text(intent.event_id)
              .integer(now)
              .text(intent.associated_company_id));
      for (std::size_t position = 0; position < intent.keys.size(); ++position) {
        impl_->exec("INSERT INTO create_intent_keys (trace_id, position, property, value) VALUES ($1, $2, $3, $4)",
                    Params()
                        .text(intent.trace_id)
                        .integer(static_cast<std::int64_t>(position))
                        .text(intent.keys[position].property)
                        .text(intent.keys[position].value));
      }
    }
  });
}

void PostgresStateStore::resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_intent(
      "UPDATE create_intents SET status = 'created', hubspot_id = $1, failure = NULL, resolved_at = $2 "
      "WHERE trace_id = $3",
      Params().text(hubspot_id).integer(impl_->now()).text(trace_id), trace_id);
}

void PostgresStateStore::resolve_intent_failed(const std::string& trace_id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_intent(
      "UPDATE create_intents SET status = 'failed', hubspot_id = NULL, failure = $1, resolved_at = $2 "
      "WHERE trace_id = $3",
      Params().text(reason).integer(impl_->now()).text(trace_id), trace_id);
}

std::vector<CreateIntent> PostgresStateStore::unresolved_intents(const std::optional<std::string>& integration) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT i.trace_id, i.object_type, i.event_id, i.written_at, k.property, k.value, i.associated_company_id "
      "FROM create_intents i JOIN bookings b ON b.event_id = i.event_id "
      "LEFT JOIN create_intent_keys k ON k.trace_id = i.trace_id WHERE i.status = 'unresolved' "
      "AND ($1::text IS NULL OR b.integration = $1::text) ORDER BY i.sequence, k.position",
      Params().text(integration));
  std::vector<CreateIntent> intents;
  for (int row = 0; row < r.rows(); ++row) {
    if (intents.empty() || intents.back().trace_id != r.text(row, 0)) {
      const auto type = r.text(row, 1) == "company" ? ObjectType::company : ObjectType::contact;
      intents.push_back(
          {r.text(row, 0), type, r.text(row, 2), {}, r.text(row, 6), from_millis(r.integer(row, 3))});
    }
    if (const auto property = r.optional_text(row, 4)) intents.back().keys.push_back({*property, r.text(row, 5)});
  }
  return intents;
}

// ---- (5) connections and tokens -----------------------------------------------------------------

void PostgresStateStore::save_connection(const Connection& c) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec(
      "INSERT INTO connections (" HUBRULES_CONNECTION_COLUMNS
      ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
      "ON CONFLICT (id) DO UPDATE SET "
      "portal_id = excluded.portal_id, auth_kind = excluded.auth_kind, access_token = excluded.access_token, "
      "refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
      "status = excluded.status, broken_reason = excluded.broken_reason, "
      "last_successful_post_at = excluded.last_successful_post_at, admin_email = excluded.admin_email, "
      "client_id = excluded.client_id, client_secret = excluded.client_secret, "
      "api_base_url = excluded.api_base_url, scopes = excluded.scopes, connected_at = excluded.connected_at, "
      "updated_at = excluded.updated_at",
      Params()
          .text(c.id)
          .integer(c.portal_id)
          .text(to_string(c.auth))
          .text(c.access_token)
          .text(c.refresh_token)
          .integer(to_millis(c.access_expires_at))
          .text(to_string(c.status))
          .text(c.broken_reason)
          .integer(to_millis(c.last_successful_post_at))
          .text(c.admin_email)
          .text(c.client_id)
          .text(c.client_secret)
          .text(c.api_base_url)
          .text(c.scopes)
          .integer(to_millis(c.connected_at))
          .integer(impl_->now()));
}

std::optional<Connection> PostgresStateStore::connection(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT " HUBRULES_CONNECTION_COLUMNS " FROM connections WHERE id = $1", Params().text(id));
  if (r.empty()) return std::nullopt;
  return read_connection(r, 0);
}

std::vector<Connection> PostgresStateStore::connections() {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT " HUBRULES_CONNECTION_COLUMNS " FROM connections ORDER BY id");
  std::vector<Connection> result;
  for (int row = 0; row < r.rows(); ++row) result.push_back(read_connection(r, row));
  return result;
}

void PostgresStateStore::update_tokens(const std::string& id, const std::string& access_token,
                                       const std::string& refresh_token,
                                       std::optional<TimePoint> access_expires_at) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_connection(
      "UPDATE connections SET access_token = $1, refresh_token = CASE WHEN $2 = '' THEN refresh_token ELSE $2 END, "
      "access_expires_at = $3, updated_at = $4 WHERE id = $5",
      Params().text(access_token).text(refresh_token).integer(to_millis(access_expires_at)).integer(impl_->now()).text(id),
      id);
}

void PostgresStateStore::mark_broken(const std::string& id, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_connection("UPDATE connections SET status = 'broken', broken_reason = $1, updated_at = $2 WHERE id = $3",
                           Params().text(reason).integer(impl_->now()).text(id), id);
}

void PostgresStateStore::mark_ok(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_connection("UPDATE connections SET status = 'ok', broken_reason = '', updated_at = $1 WHERE id = $2",
                           Params().integer(impl_->now()).text(id), id);
}

void PostgresStateStore::record_successful_post(const std::string& id, TimePoint at) {
  std::lock_guard lock(impl_->mutex);
  // Never moves back: workers finishing out of order must not make the connection look idler.
  impl_->update_connection(
      "UPDATE connections SET last_successful_post_at = greatest(coalesce(last_successful_post_at, $1), $1), "
      "updated_at = $2 WHERE id = $3",
      Params().integer(to_millis(at)).integer(impl_->now()).text(id), id);
}

void PostgresStateStore::forget_tokens(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  impl_->update_connection(
      "UPDATE connections SET access_token = '', refresh_token = '', access_expires_at = NULL, updated_at = $1 "
      "WHERE id = $2",
      Params().integer(impl_->now()).text(id), id);
}

// The row lock is held across `refresh` (which may call HubSpot): the one place a transaction
// spans a remote call, so that the workers of one connection refresh its tokens once.
void PostgresStateStore::refresh_tokens_once(
    const std::string& id, const std::function<std::optional<TokenUpdate>(const Connection&)>& refresh) {
  std::lock_guard lock(impl_->mutex);
  impl_->atomically([&] {
    // Another worker's refresh holds the row across its token request, longer than the usual
    // lock timeout: wait for it as long as for a statement (SET LOCAL: this transaction only).
    // And the token request leaves the transaction idle: not for longer than a statement either.
    impl_->exec("SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)",
                Params().text(session_setting(impl_->options.statement_timeout_ms)));
    const auto r = impl_->exec("SELECT " HUBRULES_CONNECTION_COLUMNS " FROM connections WHERE id = $1 FOR UPDATE",
                               Params().text(id));
    if (r.empty()) impl_->fail("no connection \"" + id + "\"");
    const auto update = refresh(read_connection(r, 0));
    if (!update) return;
    impl_->exec(
        "UPDATE connections SET access_token = $1, "
        "refresh_token = CASE WHEN $2 = '' THEN refresh_token ELSE $2 END, access_expires_at = $3, updated_at = $4 "
        "WHERE id = $5",
        Params()
            .text(update->access_token)
            .text(update->refresh_token)
            .integer(to_millis(update->access_expires_at))
            .integer(impl_->now())
            .text(id));
  });
}

// ---- (6) notifications --------------------------------------------------------------------------

void PostgresStateStore::record_notification(const SentNotification& notification) {
  std::lock_guard lock(impl_->mutex);
  // Guarded: an unknown connection fails on the foreign key.
  impl_->guarded([&] {
    impl_->exec("INSERT INTO notifications (connection_id, sent_at, subject) VALUES ($1, $2, $3)",
                Params().text(notification.connection_id).integer(to_millis(notification.sent_at)).text(notification.subject));
  });
}

std::optional<SentNotification> PostgresStateStore::last_notification(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT connection_id, sent_at, subject FROM notifications WHERE connection_id = $1 "
      "ORDER BY sent_at DESC, id DESC LIMIT 1",
      Params().text(connection_id));
  if (r.empty()) return std::nullopt;
  return SentNotification{r.text(0, 0), from_millis(r.integer(0, 1)), r.text(0, 2)};
}

// ---- (7) the portal's property schema -----------------------------------------------------------

void PostgresStateStore::save_portal_schema(const std::string& connection_id, const std::string& object,
                                            const PortalSchema& schema) {
  std::lock_guard lock(impl_->mutex);
  // Guarded: an unknown object fails on the CHECK.
  impl_->guarded([&] {
    impl_->exec(
        "INSERT INTO portal_schemas (connection_id, object, json, fetched_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (connection_id, object) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
        Params().text(connection_id).text(object).text(schema.json).integer(to_millis(schema.fetched_at)));
  });
}

std::optional<PortalSchema> PostgresStateStore::portal_schema(const std::string& connection_id,
                                                              const std::string& object) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT json, fetched_at FROM portal_schemas WHERE connection_id = $1 AND object = $2",
                             Params().text(connection_id).text(object));
  if (r.empty()) return std::nullopt;
  return PortalSchema{r.text(0, 0), from_millis(r.integer(0, 1))};
}

void PostgresStateStore::forget_portal_schema(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec("DELETE FROM portal_schemas WHERE connection_id = $1", Params().text(connection_id));
}

// ---- (8) leases ---------------------------------------------------------------------------------
// Times from lease_now(): the database's clock unless the options say otherwise. A lease row is
// never deleted (release expires it), so its epoch keeps rising from owner to owner.

std::optional<Lease> PostgresStateStore::acquire_lease(const std::string& connection_id, const std::string& owner,
                                                       Millis duration) {
  std::lock_guard lock(impl_->mutex);
  // A new owner (or the first) has acquired_at = now; previous_until then tells when the owner
  // before it stopped holding, min(its expiry, now), and is empty for a first-ever lease.
  const auto r = impl_->exec(
      "WITH now AS (SELECT coalesce($3::bigint, " HUBRULES_DB_NOW ") AS t), "
      "up AS (INSERT INTO leases (connection_id, owner, epoch, expires_at, acquired_at) "
      "SELECT $1, $2, 1, t + $4, t FROM now ON CONFLICT (connection_id) DO UPDATE SET "
      "epoch = CASE WHEN leases.owner = excluded.owner THEN leases.epoch ELSE leases.epoch + 1 END, "
      "acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END, "
      "previous_until = CASE WHEN leases.owner = excluded.owner THEN leases.previous_until "
      "ELSE least(leases.expires_at, excluded.acquired_at) END, "
      "owner = excluded.owner, expires_at = excluded.expires_at "
      "WHERE leases.owner = excluded.owner OR leases.expires_at <= excluded.acquired_at "
      "RETURNING " HUBRULES_LEASE_COLUMNS ") "
      "SELECT up.connection_id, up.owner, up.epoch, up.expires_at, up.acquired_at, "
      "CASE WHEN up.acquired_at = now.t THEN up.previous_until END FROM up, now",
      Params().text(connection_id).text(owner).integer(impl_->lease_now()).integer(duration.count()));
  return impl_->one_lease(r);
}

// A renewal is not a taking: previous_until stays empty.
std::optional<Lease> PostgresStateStore::renew_lease(const Lease& lease, Millis duration) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "UPDATE leases SET expires_at = coalesce($1::bigint, " HUBRULES_DB_NOW ") + $2 "
      "WHERE connection_id = $3 AND owner = $4 AND epoch = $5 "
      "RETURNING connection_id, owner, epoch, expires_at, acquired_at, NULL::bigint",
      Params().integer(impl_->lease_now()).integer(duration.count()).text(lease.connection_id).text(lease.owner).integer(
          lease.epoch));
  return impl_->one_lease(r);
}

// FOR SHARE: inside a fenced transaction the row stays locked until it commits, so a takeover
// (an UPDATE of the row) waits for it, and no write of the old owner can land after the new
// owner took over. A paused worker's session is ended by idle_in_transaction_session_timeout.
bool PostgresStateStore::holds_lease(const Lease& lease) {
  std::lock_guard lock(impl_->mutex);
  return !impl_
              ->exec("SELECT 1 FROM leases WHERE connection_id = $1 AND owner = $2 AND epoch = $3 FOR SHARE",
                     Params().text(lease.connection_id).text(lease.owner).integer(lease.epoch))
              .empty();
}

// Expires it now rather than deleting it: the epoch must keep rising for the next owner.
void PostgresStateStore::release_lease(const Lease& lease) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec(
      "UPDATE leases SET expires_at = least(expires_at, coalesce($1::bigint, " HUBRULES_DB_NOW ")) "
      "WHERE connection_id = $2 AND owner = $3 AND epoch = $4",
      Params().integer(impl_->lease_now()).text(lease.connection_id).text(lease.owner).integer(lease.epoch));
}

std::optional<Lease> PostgresStateStore::take_over_lease(const Lease& dead, const std::string& owner,
                                                         Millis duration) {
  std::lock_guard lock(impl_->mutex);
  // In an UPDATE, expressions read the row's old values: previous_until is the dead owner's hold.
  const auto r = impl_->exec(
      "WITH now AS (SELECT coalesce($1::bigint, " HUBRULES_DB_NOW ") AS t) "
      "UPDATE leases SET owner = $2, epoch = epoch + 1, expires_at = now.t + $3, acquired_at = now.t, "
      "previous_until = least(expires_at, now.t) FROM now "
      "WHERE connection_id = $4 AND owner = $5 AND epoch = $6 RETURNING " HUBRULES_LEASE_COLUMNS,
      Params().integer(impl_->lease_now()).text(owner).integer(duration.count()).text(dead.connection_id).text(
          dead.owner).integer(dead.epoch));
  return impl_->one_lease(r);
}

std::optional<Lease> PostgresStateStore::lease(const std::string& connection_id) {
  std::lock_guard lock(impl_->mutex);
  return impl_->one_lease(
      impl_->exec("SELECT " HUBRULES_LEASE_COLUMNS " FROM leases WHERE connection_id = $1", Params().text(connection_id)));
}

std::vector<Lease> PostgresStateStore::leases() {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT " HUBRULES_LEASE_COLUMNS " FROM leases ORDER BY connection_id");
  std::vector<Lease> result;
  for (int row = 0; row < r.rows(); ++row) result.push_back(read_lease(r, row));
  return result;
}

// ---- (11) workers -------------------------------------------------------------------------------

void PostgresStateStore::heartbeat(const std::string& owner, Millis ttl) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec(
      "INSERT INTO workers (owner, expires_at) VALUES ($1, coalesce($2::bigint, " HUBRULES_DB_NOW ") + $3) "
      "ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at",
      Params().text(owner).integer(impl_->lease_now()).integer(ttl.count()));
}

std::vector<Worker> PostgresStateStore::live_workers() {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT owner, expires_at FROM workers WHERE expires_at > coalesce($1::bigint, " HUBRULES_DB_NOW ") "
      "ORDER BY owner",
      Params().integer(impl_->lease_now()));
  std::vector<Worker> workers;
  for (int row = 0; row < r.rows(); ++row) workers.push_back({r.text(row, 0), from_millis(r.integer(row, 1))});
  return workers;
}

void PostgresStateStore::leave(const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  impl_->exec("DELETE FROM workers WHERE owner = $1", Params().text(owner));
}

// ---- (9) dead letters ---------------------------------------------------------------------------

std::int64_t PostgresStateStore::add_dead_letter(const DeadLetter& letter) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "INSERT INTO dead_letters (integration, body, reason, received_at) VALUES ($1, $2::bytea, $3, $4) RETURNING id",
      Params().text(letter.integration).bytes(letter.body).text(letter.reason).integer(to_millis(letter.received_at)));
  return r.integer(0, 0);
}

std::vector<DeadLetter> PostgresStateStore::dead_letters(std::size_t limit) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT id, integration, body, reason, received_at FROM dead_letters ORDER BY id DESC LIMIT $1",
      Params().integer(static_cast<std::int64_t>(limit)));
  std::vector<DeadLetter> letters;
  for (int row = 0; row < r.rows(); ++row) {
    letters.push_back({r.integer(row, 0), r.text(row, 1), r.bytes(row, 2), r.text(row, 3),
                       from_millis(r.integer(row, 4))});
  }
  return letters;
}

std::vector<DeadLetter> PostgresStateStore::dead_letters_page(std::size_t limit,
                                                              std::optional<std::int64_t> before_id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec(
      "SELECT id, integration, reason, received_at FROM dead_letters WHERE id < $1 ORDER BY id DESC LIMIT $2",
      Params().integer(before_or_newest(before_id)).integer(static_cast<std::int64_t>(page_limit(limit))));
  std::vector<DeadLetter> letters;
  for (int row = 0; row < r.rows(); ++row)
    letters.push_back({r.integer(row, 0), r.text(row, 1), {}, r.text(row, 2), from_millis(r.integer(row, 3))});
  return letters;
}

std::optional<DeadLetter> PostgresStateStore::dead_letter(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  const auto r = impl_->exec("SELECT id, integration, body, reason, received_at FROM dead_letters WHERE id = $1",
                             Params().integer(id));
  if (r.empty()) return std::nullopt;
  return DeadLetter{r.integer(0, 0), r.text(0, 1), r.bytes(0, 2), r.text(0, 3), from_millis(r.integer(0, 4))};
}

// ---- retention ----------------------------------------------------------------------------------

// No VACUUM here: autovacuum gives the space of the deleted payloads back for reuse.
std::size_t PostgresStateStore::drop_payloads_before(TimePoint before) {
  std::lock_guard lock(impl_->mutex);
  std::size_t dropped = 0;
  impl_->in_transaction([&] {
    const Params at = Params().integer(to_millis(before));
    dropped += impl_->exec("DELETE FROM booking_payloads p USING bookings b "
                           "WHERE b.intake_sequence = p.intake_sequence AND b.state IN " HUBRULES_FINAL_STATES
                           " AND b.updated_at < $1",
                           at)
                   .affected();
    dropped += impl_->exec("UPDATE dead_letters SET body = ''::bytea WHERE body <> ''::bytea AND received_at < $1", at)
                   .affected();
    // A settled intent only mattered until it was settled; its booking's outcome stays.
    impl_->exec("DELETE FROM create_intents WHERE status <> 'unresolved' AND resolved_at < $1", at);
  });
  return dropped;
}

}  // namespace hubrules::runtime
