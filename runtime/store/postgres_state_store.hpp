#pragma once
// The state store in PostgreSQL (`--state postgresql://…`), shared by several `serve` workers.
//
// Through libpq, one connection per store object (a worker opens one for its intake and one for
// its deliveries). Every call is a short transaction of its own unless it runs inside
// transaction(); nothing holds a transaction open across a HubSpot call except
// refresh_tokens_once, whose row lock keeps other workers' refreshes of that connection out.
// A lost connection (PostgreSQL restarted) fails the call with StoreError; the next call
// connects again.
//
// The URL never carries a password: libpq reads it from PGPASSFILE / ~/.pgpass or the
// environment, and messages show the location with any password removed.
//
// Thread safety: one mutex serialises every call; a transaction() holds it until it ends.
#include <functional>
#include <memory>
#include <string>

#include "runtime/store/state_store.hpp"

namespace hubrules::runtime {

struct PostgresStoreOptions {
  // false: the database must already be at the latest schema (`hubrules migrate`), else the
  // constructor throws StoreError saying so. true: applies the missing migrations.
  bool migrate = false;
  // false: neither checks nor migrates (for `hubrules migrate`, which reads the version first).
  bool check_schema = true;
  // Leases and worker heartbeats on the database's clock (clock_timestamp()), so workers on
  // machines whose clocks differ agree. Tests that drive a fake Clock pass false.
  bool database_clock = true;
  int statement_timeout_ms = 30'000;
  int lock_timeout_ms = 5'000;
  // A worker paused inside a transaction loses its session after this, and with it its locks
  // (a fenced transaction's lock on its lease row holds a takeover back until then). Our own
  // transactions never wait on anything but the database, except a token refresh, which sets
  // its own.
  int idle_in_transaction_timeout_ms = 15'000;
};

class PostgresStateStore final : public StateStore {
 public:
  explicit PostgresStateStore(const std::string& url, Clock& clock = Clock::system(), PostgresStoreOptions options = {});
  ~PostgresStateStore() override;
  PostgresStateStore(const PostgresStateStore&) = delete;
  PostgresStateStore& operator=(const PostgresStateStore&) = delete;

  static int latest_schema_version();
  // 0 for a database hubrules never migrated.
  int schema_version();
  // Applies the missing migrations (each in one transaction, under an advisory lock so two
  // workers starting together do not race); returns the version before.
  int migrate();

  void transaction(const std::function<void(StateStore&)>& work) override;

  using StateStore::journal;
  bool journal(const std::string& integration, const std::string& event_id, std::string_view payload,
               TimePoint received_at) override;
  std::optional<JournaledBooking> booking(const std::string& event_id) override;
  void set_state(const std::string& event_id, BookingState state, std::string_view reason = {}) override;
  int record_attempt(const std::string& event_id) override;
  void retry_later(const std::string& event_id, std::string_view reason, TimePoint at) override;
  void park(const std::string& event_id, const std::string& connection_id, std::string_view reason) override;
  std::size_t release_parked(const std::string& connection_id) override;
  std::size_t requeue_failed() override;
  std::vector<JournaledBooking> pending_of(const std::string& integration, std::size_t limit,
                                           std::optional<TimePoint> due_by = std::nullopt) override;
  std::vector<QueueStats> queue_stats() override;
  std::vector<std::string> integrations_with_due_pending(TimePoint now) override;
  std::vector<JournaledBooking> failed() override;
  std::vector<JournaledBooking> parked(const std::string& connection_id) override;
  std::map<BookingState, std::size_t> count_by_state() override;
  std::map<BookingState, std::size_t> count_by_state_of(const std::string& integration) override;
  BookingPage bookings_page(const BookingQuery& query) override;
  bool requeue(const std::string& event_id) override;

  void set_outcome(const std::string& event_id, const BookingOutcome& outcome) override;
  std::optional<BookingOutcome> outcome(const std::string& event_id) override;

  void remember_company(const CreatedCompany& company) override;
  std::optional<CreatedCompany> find_company(const std::optional<std::string>& domain,
                                             const std::optional<std::string>& name,
                                             const std::string& connection_id = {}) override;
  void remember_contact(const CreatedContact& contact) override;
  std::optional<CreatedContact> find_contact(const std::string& email, const std::string& connection_id = {}) override;

  void write_intents(const std::vector<CreateIntent>& intents) override;
  void resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) override;
  void resolve_intent_failed(const std::string& trace_id, std::string_view reason) override;
  std::vector<CreateIntent> unresolved_intents(const std::optional<std::string>& integration = std::nullopt) override;

  void save_connection(const Connection& connection) override;
  std::optional<Connection> connection(const std::string& id) override;
  std::vector<Connection> connections() override;
  void update_tokens(const std::string& id, const std::string& access_token, const std::string& refresh_token,
                     std::optional<TimePoint> access_expires_at) override;
  void mark_broken(const std::string& id, std::string_view reason) override;
  void mark_ok(const std::string& id) override;
  void record_successful_post(const std::string& id, TimePoint at) override;
  void forget_tokens(const std::string& id) override;
  void refresh_tokens_once(const std::string& id,
                           const std::function<std::optional<TokenUpdate>(const Connection&)>& refresh) override;

  void record_notification(const SentNotification& notification) override;
  std::optional<SentNotification> last_notification(const std::string& connection_id) override;
  void save_portal_schema(const std::string& connection_id, const std::string& object,
                          const PortalSchema& schema) override;
  std::optional<PortalSchema> portal_schema(const std::string& connection_id, const std::string& object) override;
  void forget_portal_schema(const std::string& connection_id) override;

  std::optional<Lease> acquire_lease(const std::string& connection_id, const std::string& owner,
                                     Millis duration) override;
  std::optional<Lease> renew_lease(const Lease& lease, Millis duration) override;
  bool holds_lease(const Lease& lease) override;
  void release_lease(const Lease& lease) override;
  std::optional<Lease> take_over_lease(const Lease& dead, const std::string& owner, Millis duration) override;
  std::optional<Lease> lease(const std::string& connection_id) override;
  std::vector<Lease> leases() override;

  void heartbeat(const std::string& owner, Millis ttl) override;
  std::vector<Worker> live_workers() override;
  void leave(const std::string& owner) override;

  std::int64_t add_dead_letter(const DeadLetter& letter) override;
  std::vector<DeadLetter> dead_letters(std::size_t limit) override;
  std::vector<DeadLetter> dead_letters_page(std::size_t limit, std::optional<std::int64_t> before_id) override;
  std::optional<DeadLetter> dead_letter(std::int64_t id) override;

  std::size_t drop_payloads_before(TimePoint before) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Wakes deliveries when another worker journaled bookings: LISTENs on the channel the store's
// commits NOTIFY (once per transaction and integration, not per row), on a connection of its
// own, and calls `on_pending(integration)` from its thread. Reconnects after a lost connection
// (and then calls on_pending("") once: something may have been missed). Stops when destroyed.
class PendingListener {
 public:
  PendingListener(const std::string& url, std::function<void(const std::string& integration)> on_pending);
  ~PendingListener();
  PendingListener(const PendingListener&) = delete;
  PendingListener& operator=(const PendingListener&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime
