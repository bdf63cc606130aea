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

  bool journal(const std::string& event_id, std::string_view payload, TimePoint received_at) override;
  std::optional<JournaledBooking> booking(const std::string& event_id) override;
  void set_state(const std::string& event_id, BookingState state, std::string_view reason = {}) override;
  int record_attempt(const std::string& event_id) override;
  void park(const std::string& event_id, const std::string& connection_id, std::string_view reason) override;
  std::size_t release_parked(const std::string& connection_id) override;
  std::size_t requeue_failed() override;
  std::vector<JournaledBooking> next_pending(std::size_t limit) override;
  std::vector<JournaledBooking> failed() override;
  std::vector<JournaledBooking> parked(const std::string& connection_id) override;
  std::map<BookingState, std::size_t> count_by_state() override;

  void set_outcome(const std::string& event_id, const BookingOutcome& outcome) override;
  std::optional<BookingOutcome> outcome(const std::string& event_id) override;

  void remember_company(const CreatedCompany& company) override;
  std::optional<CreatedCompany> find_company(const std::optional<std::string>& domain,
                                             const std::optional<std::string>& name) override;
  void remember_contact(const CreatedContact& contact) override;
  std::optional<CreatedContact> find_contact(const std::string& email) override;

  void write_intents(const std::vector<CreateIntent>& intents) override;
  void resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) override;
  void resolve_intent_failed(const std::string& trace_id, std::string_view reason) override;
  std::vector<CreateIntent> unresolved_intents() override;

  void save_connection(const Connection& connection) override;
  std::optional<Connection> connection(const std::string& id) override;
  std::vector<Connection> connections() override;
  void update_tokens(const std::string& id, const std::string& access_token, const std::string& refresh_token,
                     std::optional<TimePoint> access_expires_at) override;
  void mark_broken(const std::string& id, std::string_view reason) override;
  void mark_ok(const std::string& id) override;
  void record_successful_post(const std::string& id, TimePoint at) override;
  void forget_tokens(const std::string& id) override;

  void record_notification(const SentNotification& notification) override;
  void save_portal_schema(const std::string& connection_id, const std::string& object,
                          const PortalSchema& schema) override;
  std::optional<PortalSchema> portal_schema(const std::string& connection_id, const std::string& object) override;
  void forget_portal_schema(const std::string& connection_id) override;
  std::optional<SentNotification> last_notification(const std::string& connection_id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hubrules::runtime
