#pragma once
// `hubrules sync` without its command line: bookings are journaled by event.id, then delivered
// from the journal in rounds of up to 200 bookings — looked up (contacts by batch read on email,
// companies by search plus the store's memory of companies created here), planned
// (plan_delivery), created (companies, then contacts with their association inline) — and
// each booking's outcome is stored with its final state.
//
// Crash safety: every create is written to the store as an intent before it is sent. An intent
// left unresolved (the process died, the answer was lost) is settled before anything else is
// created: contacts by batch read (consistent), companies by search once the search lag has
// passed. So a run killed at any point and run again makes exactly the records one clean run
// would have made.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/evaluator.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/notify/notifier.hpp"
#include "runtime/store/state_store.hpp"
#include "runtime/hubspot/hubspot_records.hpp"
#include "runtime/sync/delivery_candidate.hpp"
#include "runtime/sync/retry_schedule.hpp"
#include "runtime/sync/sync_report.hpp"

namespace hubrules::runtime {

struct SyncOptions {
  // Which integration's bookings this pipeline delivers (its rules, its connection).
  std::string integration = kDefaultIntegration;
  RetrySchedule retries;
  // Bookings per round. HubSpot takes at most 100 inputs per batch call, so a round of 200 makes
  // two batch reads and two creates of each object, but one company search (its domains and
  // names fit in 4 IN groups of 100, within the 5 a search allows): searches, limited to 5 per
  // second apart from the burst limit, then never hold a round back before the burst limit does.
  std::size_t batch_size = 200;
  // How long a created record may stay invisible to search (HUBSPOT-API.md: reports up to
  // ~30 s). An in-doubt company create is looked up only after this.
  Millis search_lag{30'000};
  // How long after its intent was written a create may still reach HubSpot (the limiter's
  // waits and the request's timeout): an in-doubt create is looked for only once the search
  // lag has passed since the latest moment it can have been applied.
  Millis create_reach{180'000};
  // A booking whose delivery ends in doubt this many times in one run fails (kept for retry).
  int max_in_doubt_rounds = 5;
  std::string state_file;  // named in the error email
  // Told, for each booking delivered, how long after its arrival it reached HubSpot (/metrics).
  std::function<void(Millis)> on_delivered;
  bool progress = false;   // draw a progress bar (standard error is a terminal)
};

class SyncPipeline {
 public:
  // `notifier` may be null (no error email).
  SyncPipeline(engine::PlanPtr plan, StateStore& store, hubspot::HubSpotRecords& hubspot, hubspot::AccessTokens& tokens,
               Clock& clock, SyncOptions options, notify::ErrorNotifier* notifier);

  // Journals the bookings of an NDJSON stream; lines without a readable event.id are reported
  // (with their line number) and counted, the rest carry on.
  void intake(int fd, const std::string& name);
  // Delivers every pending booking (and those of a repaired connection).
  void deliver();
  // One round of continuous delivery (serve): releases the bookings of a repaired connection,
  // settles the in-doubt creates whose search lag has passed, then delivers up to one batch of
  // due bookings, holding back those that share a key with a create still in doubt, so one
  // lost answer never holds up the rest. Returns how many bookings it finished or tried.
  std::size_t deliver_round();
  // After a round with nothing to do: true when waiting alone changes something that no wake-up
  // announces — creates in doubt holding bookings back until the search lag has passed, or a
  // broken connection whose parked bookings go back to pending once it is repaired — so the
  // caller looks again soon rather than idling long.
  bool needs_prompt_recheck() const { return broken_ || !held_events_.empty(); }

  const SyncCounts& counts() const { return counts_; }

 private:
  struct Batch;
  bool deliver_or_settle(const std::vector<JournaledBooking>& bookings, std::map<std::string, int>& in_doubt_rounds);
  void deliver_batch(const std::vector<JournaledBooking>& bookings);
  bool prepare(Batch& batch, const std::vector<JournaledBooking>& bookings);
  void look_up(Batch& batch);
  void create_companies(Batch& batch);
  void create_contacts(Batch& batch);
  bool ready(const JournaledBooking& booking);
  void release_repaired();
  void forget_schema_if_stale(StateStore& s, const hubspot::CreateFailure& f);
  void finish(Batch& batch);
  void settle_contact(StateStore& s, Batch& batch, std::size_t booking, const hubspot::CreateInput& input);
  static BookingOutcome outcome_of(const Batch& batch, std::size_t booking);
  void count(const BookingOutcome& outcome);
  void fail_batch(const std::vector<JournaledBooking>& bookings, const std::string& reason);
  void park_everything(const hubspot::ConnectionBroken& broken);
  // Settles the unresolved creates; `wait` for company creates to become visible to search,
  // or (continuous delivery) settle only those already visible and return the rest's keys.
  std::set<DedupeKey> resolve_in_doubt(bool wait = true);
  bool held_back(const BookingCandidate& candidate) const;
  bool fail_or_retry(StateStore& s, const std::string& event_id, TimePoint received_at, int attempts,
                     const std::string& reason);
  void report_failure(const std::string& reason, std::size_t kept);
  const engine::Evaluation& evaluate_stored(const std::string& payload);

  engine::PlanPtr plan_;
  engine::Evaluator evaluator_;
  StateStore& store_;
  hubspot::HubSpotRecords& hubspot_;
  hubspot::AccessTokens& tokens_;
  Clock& clock_;
  SyncOptions options_;
  notify::ErrorNotifier* notifier_;
  SyncCounts counts_;
  std::string padded_;  // a stored payload with simdjson's padding, reused
  std::set<DedupeKey> held_keys_;  // continuous delivery: keys of creates still in doubt
  std::set<std::string> held_events_;
  std::map<std::string, int> in_doubt_rounds_;
  TimePoint parked_checked_{};
  bool continuous_ = false;  // in deliver_round: never wait out the search lag
  bool broken_ = false;      // the last round could not get a token (broken connection or token endpoint down)
  TimePoint started_at_;     // creates in doubt from before it are an earlier owner's
};

}  // namespace hubrules::runtime
