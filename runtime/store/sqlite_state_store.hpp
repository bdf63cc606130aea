#pragma once
// The state store in one SQLite file (`--state FILE`), for one machine.
//
// The file and its -wal/-shm companions are created with mode 0600 (an existing, more
// permissive file is narrowed), because it holds access and refresh tokens. WAL mode, a busy
// timeout, foreign keys on, synchronous=FULL: an intent written before a create is sent must
// survive a power loss, not only a crash. Times are kept to the millisecond.
//
// Thread safety: one mutex serialises every call; a transaction() holds it until it ends. Other
// processes may open the same file: SQLite's locks and the busy timeout order them.
#include <filesystem>
#include <memory>

#include "runtime/store/state_store.hpp"

namespace hubrules::runtime {

// Where the commands keep their state unless --state says otherwise.
inline constexpr const char* kDefaultStateFile = "hubrules-state.db";

struct SqliteStoreOptions {
  int busy_timeout_ms = 5000;
  // Migrate no further than this version (0: the latest). Lets tests build an older file.
  int migrate_to_version = 0;
};

class SqliteStateStore final : public StateStore {
 public:
  // Creates or opens the file and brings its schema up to date.
  explicit SqliteStateStore(const std::filesystem::path& file, Clock& clock = Clock::system(),
                            SqliteStoreOptions options = {});
  ~SqliteStateStore() override;
  SqliteStateStore(const SqliteStateStore&) = delete;
  SqliteStateStore& operator=(const SqliteStateStore&) = delete;

  static int latest_schema_version();
  int schema_version();
  const std::filesystem::path& file() const;

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
  void save_portal_schema(const std::string& connection_id, const std::string& object,
                          const PortalSchema& schema) override;
  std::optional<PortalSchema> portal_schema(const std::string& connection_id, const std::string& object) override;
  void forget_portal_schema(const std::string& connection_id) override;
  std::optional<SentNotification> last_notification(const std::string& connection_id) override;

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

}  // namespace hubrules::runtime
