#pragma once
// The delivery pipeline's durable memory: the intake journal, each booking's outcome, the
// records created here, in-doubt creates, connection and token state, and sent notifications.
//
// An interface because one SQLite file serves one machine and PostgreSQL serves several
// workers; nothing here names a database type (open_state_store picks one by its location).
//
// Thread safety: implementations are safe to share between threads. A transaction() holds the
// store for its whole duration, so other threads' calls wait until it ends.
//
// Secrets: tokens are stored as given (the store protects its storage, e.g. a 0600 file), and
// no error message or log line of a store ever contains a token or a payload.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/base/dedupe_key.hpp"
#include "runtime/base/object_type.hpp"

namespace hubrules::runtime {

// Any failure of the store: it names the store (e.g. its file) and the underlying error.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- (1) the intake journal -----------------------------------------------------------------

// pending: journaled, not yet done. delivered / skipped (the rules post nothing) / invalid (bad
// input) are final. failed: given up after retries, `hubrules retry` requeues it. parked: its
// connection is broken; kept until the connection is repaired.
enum class BookingState { pending, delivered, skipped, invalid, failed, parked };

std::string_view to_string(BookingState state);
std::optional<BookingState> booking_state_from_string(std::string_view text);
// A final state never changes again, so a booking is delivered at most once.
bool is_final(BookingState state);

// The integration of bookings that name none: `sync` and the single-integration `serve`.
inline constexpr const char* kDefaultIntegration = "default";

struct JournaledBooking {
  std::string event_id;
  std::string payload;  // empty once its retention time has passed (the outcome stays)
  std::string integration = kDefaultIntegration;  // which rules and connection it belongs to
  BookingState state = BookingState::pending;
  std::string reason;         // why it is skipped, invalid, failed or parked; else empty
  std::string connection_id;  // the broken connection, for a parked booking; else empty
  int attempts = 0;
  std::int64_t intake_sequence = 0;  // the journal's order of arrival
  TimePoint received_at;
  TimePoint updated_at;
  std::optional<TimePoint> last_attempt_at;
  std::optional<TimePoint> retry_at;  // a pending booking waiting out a retry delay: not before this
};

// The administrators' page reads the journal a page at a time; a page never holds more than this.
inline constexpr std::size_t kMaxPageLimit = 200;

// Which bookings a page shows: each field set narrows it. Pages go by keyset (before_sequence is
// the previous page's next_before) rather than by offset, so reading page n costs the same as page
// 1 and bookings arriving meanwhile neither shift nor repeat rows.
struct BookingQuery {
  std::optional<std::string> integration = {};
  std::optional<BookingState> state = {};
  std::optional<TimePoint> received_from = {};      // inclusive
  std::optional<TimePoint> received_before = {};    // exclusive
  std::optional<std::int64_t> before_sequence = {};  // only intake_sequence < this
  std::size_t limit = 50;                            // at least 1, at most kMaxPageLimit
};

struct BookingPage {
  std::vector<JournaledBooking> rows;  // newest first (intake_sequence descending)
  // Set when older bookings match too: the last row's intake_sequence, the next page's before_sequence.
  std::optional<std::int64_t> next_before;
};

// ---- (2) outcomes ---------------------------------------------------------------------------

// What delivery did for one object of a booking.
enum class Disposition { none, created, duplicate };

std::string_view to_string(Disposition disposition);

struct BookingOutcome {
  std::optional<std::string> contact_id;  // HubSpot ids
  std::optional<std::string> company_id;
  Disposition contact = Disposition::none;
  Disposition company = Disposition::none;
  bool associated = false;
};

// ---- (3) records created here ---------------------------------------------------------------

// Key values are compared in lowercase; the store lowercases (ASCII) what it is given.
// Each belongs to the connection (HubSpot portal) it was created in.
struct CreatedCompany {
  std::string hubspot_id;
  std::optional<std::string> domain;
  std::optional<std::string> name;
  TimePoint created_at;
  std::string connection_id = {};  // "" in stores that serve one connection
};

struct CreatedContact {
  std::string hubspot_id;
  std::string email;
  TimePoint created_at;
  std::string connection_id = {};  // "" in stores that serve one connection
};

// ---- (4) in-doubt creates -------------------------------------------------------------------


// Written before a batch create is sent, one per input; resolved when the answer arrives. An
// intent still unresolved at startup may or may not have been created in HubSpot.
struct CreateIntent {
  std::string trace_id;  // the input's objectWriteTraceId; unique
  ObjectType object_type = ObjectType::contact;
  std::string event_id;  // the booking it serves
  std::vector<DedupeKey> keys;
  // A contact create that associates the contact inline: the company's HubSpot id; else empty.
  // Resolving the intent as created tells that the association was made too.
  std::string associated_company_id;
  TimePoint written_at;  // set by the store when the intent is written
};

// ---- (5) connections and tokens -------------------------------------------------------------

enum class AuthKind { private_app, oauth };
enum class ConnectionStatus { ok, broken };

std::string_view to_string(AuthKind kind);
std::string_view to_string(ConnectionStatus status);

struct Connection {
  std::string id;  // the store's key, e.g. "default" or the portal id
  std::optional<std::int64_t> portal_id;
  AuthKind auth = AuthKind::private_app;
  std::string access_token;
  std::string refresh_token;  // empty for a private-app token
  std::optional<TimePoint> access_expires_at;
  ConnectionStatus status = ConnectionStatus::ok;
  std::string broken_reason;
  std::optional<TimePoint> last_successful_post_at;  // for the 180-day rule
  std::string admin_email;
  // OAuth: the app that refreshes the tokens, and the HubSpot the tokens belong to (api base
  // URL, e.g. https://api.hubapi.com or a sandbox's). Empty for a private-app token.
  std::string client_id;
  std::string client_secret;
  std::string api_base_url;
  // OAuth: the scopes HubSpot granted (space-separated, as OAuth writes them; empty when the
  // answer did not say), and when the admin last connected.
  std::string scopes;
  std::optional<TimePoint> connected_at;
};

// ---- (6) notifications ----------------------------------------------------------------------

struct SentNotification {
  std::string connection_id;
  TimePoint sent_at;
  std::string subject;
};

// ---- (7) the portal's property schema, cached -----------------------------------------------

// One object's GET …/properties answer, as a connection's portal gave it.
struct PortalSchema {
  std::string json;
  TimePoint fetched_at;
};

// ---- (8) leases: one owner delivers for a connection at a time ---------------------------------

// Held by `owner` (unique per process) until `expires_at` unless renewed. Each new owner gets a
// higher epoch; a write fenced by an older epoch is refused (LeaseLost), so an owner that was
// paused past its expiry and came back after a takeover changes nothing.
struct Lease {
  std::string connection_id;
  std::string owner;
  std::int64_t epoch = 0;
  TimePoint expires_at;
  // Set when this owner took the lease from another one (a new epoch): when that owner's hold
  // ended (its expiry, or the moment it released or was found dead), by the store's clock, and
  // the store's time of the taking. The portal's rate window may still hold the previous
  // owner's calls until one window after previous_until.
  std::optional<TimePoint> previous_until;
  TimePoint acquired_at;
};

// The lease a fenced write needed is held by someone else now.
class LeaseLost : public StoreError {
 public:
  using StoreError::StoreError;
};

// ---- (9) dead letters: webhooks that could not be read --------------------------------------

struct DeadLetter {
  std::int64_t id = 0;
  std::string integration;
  std::string body;  // the bytes as received; empty once the retention time has passed
  std::string reason;
  TimePoint received_at;
};

// ---- (10) queues, for /metrics ---------------------------------------------------------------

struct QueueStats {
  std::string integration;
  std::size_t pending = 0;               // due now or waiting out a retry delay
  std::optional<TimePoint> oldest;       // the oldest pending booking's arrival
};

// ---- (11) workers sharing the delivery, for spreading the leases -----------------------------

struct Worker {
  std::string owner;  // as in leases
  TimePoint expires_at;
};

// ---- (12) tokens refreshed once ---------------------------------------------------------------

struct TokenUpdate {
  std::string access_token;
  std::string refresh_token;  // empty keeps the stored one
  std::optional<TimePoint> access_expires_at;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Runs `work` atomically: everything it does through the StateStore it is given commits
  // together, or (when it throws) not at all, and the exception propagates. A transaction
  // inside a transaction is part of the outer one; when it throws, only its own work is undone.
  virtual void transaction(const std::function<void(StateStore&)>& work) = 0;

  // References must exist: an outcome, intent or parking names a journaled booking, a parking
  // or notification a saved connection; otherwise the call throws StoreError.

  // -- intake journal. Unknown event ids make the updating methods throw StoreError.
  // True when the booking is new; a booking already journaled is left exactly as it is.
  virtual bool journal(const std::string& integration, const std::string& event_id, std::string_view payload,
                       TimePoint received_at) = 0;
  bool journal(const std::string& event_id, std::string_view payload, TimePoint received_at) {
    return journal(kDefaultIntegration, event_id, payload, received_at);
  }
  virtual std::optional<JournaledBooking> booking(const std::string& event_id) = 0;
  // Moves a booking to `state` with `reason`; throws StoreError when the booking is final and
  // `state` differs from it. Parking goes through park().
  virtual void set_state(const std::string& event_id, BookingState state, std::string_view reason = {}) = 0;
  // Counts one more delivery attempt, now; returns the new count.
  virtual int record_attempt(const std::string& event_id) = 0;
  // A failed attempt to be tried again: the booking stays pending, with `reason`, until `at`.
  virtual void retry_later(const std::string& event_id, std::string_view reason, TimePoint at) = 0;
  virtual void park(const std::string& event_id, const std::string& connection_id, std::string_view reason) = 0;
  // Parked bookings of a repaired connection become pending again; returns how many.
  virtual std::size_t release_parked(const std::string& connection_id) = 0;
  // Failed bookings become pending again (for `hubrules retry`); returns how many.
  virtual std::size_t requeue_failed() = 0;
  // The pending bookings of one integration, oldest first (by intake order); with `due_by`, only
  // those whose retry delay (if any) has passed by then. The lease decides which process delivers
  // a connection's bookings; a store shared by several processes also reads them FOR UPDATE SKIP
  // LOCKED, so a row another session holds is skipped, never waited for.
  virtual std::vector<JournaledBooking> pending_of(const std::string& integration, std::size_t limit,
                                                   std::optional<TimePoint> due_by = std::nullopt) = 0;
  virtual std::vector<QueueStats> queue_stats() = 0;
  // The integrations with at least one pending booking due by `now` (no retry delay left), each
  // once: serve's due scanner asks this every second instead of every portal polling its queue.
  virtual std::vector<std::string> integrations_with_due_pending(TimePoint now) = 0;
  virtual std::vector<JournaledBooking> failed() = 0;
  virtual std::vector<JournaledBooking> parked(const std::string& connection_id) = 0;
  // Every state is present, with 0 when no booking is in it.
  virtual std::map<BookingState, std::size_t> count_by_state() = 0;
  // The same for one integration's bookings.
  virtual std::map<BookingState, std::size_t> count_by_state_of(const std::string& integration) = 0;
  // One page of the journal, newest first; reads only the page (and one row more), never the
  // whole journal, and leaves the payloads out (booking() has one's webhook): a list needs none.
  virtual BookingPage bookings_page(const BookingQuery& query) = 0;
  // The administrator's Retry: a failed or parked booking becomes pending again with fresh
  // attempts and no retry delay, as requeue_failed() does for failed ones. False (and nothing
  // changes) when the booking is unknown or in any other state.
  virtual bool requeue(const std::string& event_id) = 0;

  // -- outcomes
  virtual void set_outcome(const std::string& event_id, const BookingOutcome& outcome) = 0;
  virtual std::optional<BookingOutcome> outcome(const std::string& event_id) = 0;

  // -- records created here
  virtual void remember_company(const CreatedCompany& company) = 0;
  // Of the connection's companies: one with this domain if any (the oldest), else the oldest
  // with this name.
  virtual std::optional<CreatedCompany> find_company(const std::optional<std::string>& domain,
                                                     const std::optional<std::string>& name,
                                                     const std::string& connection_id = {}) = 0;
  virtual void remember_contact(const CreatedContact& contact) = 0;
  virtual std::optional<CreatedContact> find_contact(const std::string& email, const std::string& connection_id = {}) = 0;

  // -- in-doubt creates
  // All of them or none; a trace id written before throws StoreError.
  virtual void write_intents(const std::vector<CreateIntent>& intents) = 0;
  virtual void resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) = 0;
  virtual void resolve_intent_failed(const std::string& trace_id, std::string_view reason) = 0;
  // In the order they were written; with `integration`, only those serving its bookings.
  virtual std::vector<CreateIntent> unresolved_intents(const std::optional<std::string>& integration = std::nullopt) = 0;

  // -- connections and tokens
  // Inserts or replaces the whole connection.
  virtual void save_connection(const Connection& connection) = 0;
  virtual std::optional<Connection> connection(const std::string& id) = 0;
  virtual std::vector<Connection> connections() = 0;
  // After a refresh; an empty refresh token keeps the stored one.
  virtual void update_tokens(const std::string& id, const std::string& access_token, const std::string& refresh_token,
                             std::optional<TimePoint> access_expires_at) = 0;
  virtual void mark_broken(const std::string& id, std::string_view reason) = 0;
  virtual void mark_ok(const std::string& id) = 0;
  virtual void record_successful_post(const std::string& id, TimePoint at) = 0;
  // Disconnect: both tokens are erased; the connection's history stays.
  virtual void forget_tokens(const std::string& id) = 0;
  // Runs `refresh` with the connection as stored now and stores the tokens it returns (nullopt:
  // nothing to store, e.g. another worker refreshed already). Stores shared by several processes
  // keep other refreshes of the same connection out meanwhile (a row lock), so a connection is
  // refreshed once, not once per worker. `refresh` may make the token request; it must not call
  // the store. Throws StoreError for an unknown connection; what `refresh` throws propagates
  // and nothing is stored.
  virtual void refresh_tokens_once(const std::string& id,
                                   const std::function<std::optional<TokenUpdate>(const Connection&)>& refresh) = 0;

  // -- notifications
  virtual void record_notification(const SentNotification& notification) = 0;
  virtual std::optional<SentNotification> last_notification(const std::string& connection_id) = 0;

  // -- the portal's property schema (object: "contacts" or "companies"), cached between runs
  virtual void save_portal_schema(const std::string& connection_id, const std::string& object,
                                  const PortalSchema& schema) = 0;
  virtual std::optional<PortalSchema> portal_schema(const std::string& connection_id, const std::string& object) = 0;
  // The portal answered PROPERTY_DOESNT_EXIST: the next run reads the schema again.
  virtual void forget_portal_schema(const std::string& connection_id) = 0;

  // -- leases (times from the store's clock)
  // Takes the connection's lease for `owner` when it is free or expired (a higher epoch), or
  // renews it when `owner` holds it; nullopt while another owner holds it.
  virtual std::optional<Lease> acquire_lease(const std::string& connection_id, const std::string& owner,
                                             Millis duration) = 0;
  // Extends a lease still held at this epoch; nullopt when it was taken over.
  virtual std::optional<Lease> renew_lease(const Lease& lease, Millis duration) = 0;
  // True when the lease row still names this owner and epoch (a fencing check: call it inside
  // the transaction whose writes it guards).
  virtual bool holds_lease(const Lease& lease) = 0;
  virtual void release_lease(const Lease& lease) = 0;
  // Takes over a lease whose owner is known to be dead (its process is gone) before it expires:
  // only when the lease still names that owner and epoch; nullopt otherwise.
  virtual std::optional<Lease> take_over_lease(const Lease& dead, const std::string& owner, Millis duration) = 0;
  virtual std::optional<Lease> lease(const std::string& connection_id) = 0;
  // Every lease row, held or expired, by connection id.
  virtual std::vector<Lease> leases() = 0;

  // -- workers (times from the store's clock)
  // Says `owner` is alive until now + ttl (inserts or extends its row).
  virtual void heartbeat(const std::string& owner, Millis ttl) = 0;
  // Workers whose heartbeat has not expired, by owner.
  virtual std::vector<Worker> live_workers() = 0;
  // A worker that stops says so; its row goes.
  virtual void leave(const std::string& owner) = 0;

  // -- dead letters
  // Returns the stored letter's id.
  virtual std::int64_t add_dead_letter(const DeadLetter& letter) = 0;
  // Newest first (by id), at most `limit` (clamped to 1…kMaxPageLimit), only those with an id below
  // `before_id` when given (the last id of the page before). Without their bodies, which can be
  // large: dead_letter() reads one with its body.
  virtual std::vector<DeadLetter> dead_letters_page(std::size_t limit, std::optional<std::int64_t> before_id) = 0;
  virtual std::optional<DeadLetter> dead_letter(std::int64_t id) = 0;
  // Newest first.
  virtual std::vector<DeadLetter> dead_letters(std::size_t limit) = 0;

  // -- retention
  // Empties the payloads of bookings that became final before `before` and the bodies of dead
  // letters received before it (outcomes, states and reasons stay), then gives the space back.
  // Returns how many payloads and bodies it dropped.
  virtual std::size_t drop_payloads_before(TimePoint before) = 0;
};

}  // namespace hubrules::runtime
