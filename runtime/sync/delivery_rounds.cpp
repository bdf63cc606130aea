// SyncPipeline's continuous delivery (`hubrules serve`): many short rounds instead of one run.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "runtime/sync/sync_pipeline.hpp"

namespace hubrules::runtime {

namespace {
// How often a round looks whether a broken connection was repaired (a write, so not every round).
constexpr auto kRepairCheckInterval = std::chrono::seconds(5);
}  // namespace

std::size_t SyncPipeline::deliver_round() {
  continuous_ = true;
  try {
    hubspot::TokenUse(tokens_).provider()();  // a broken connection shows here, before anything is sent
    broken_ = false;
    release_repaired();
    held_keys_ = resolve_in_doubt(false);
    const auto due = store_.pending_of(options_.integration, options_.batch_size + held_events_.size(), clock_.now());
    std::vector<JournaledBooking> bookings;
    for (const auto& b : due) {
      if (bookings.size() == options_.batch_size) break;
      if (ready(b)) bookings.push_back(b);
    }
    if (bookings.empty()) return 0;
    deliver_or_settle(bookings, in_doubt_rounds_);
    return bookings.size();
  } catch (const hubspot::ConnectionBroken& broken) {
    broken_ = true;
    parked_checked_ = {};  // the first round that gets a token again releases the parked bookings at once
    // Checked every round: only new bookings are parked (and reported, within the email's throttle).
    if (!store_.pending_of(options_.integration, 1).empty()) park_everything(broken);
  } catch (const hubspot::TokenUnavailable& e) {
    broken_ = true;  // passing, but nothing announces its end
    spdlog::error("{}; the bookings stay pending", e.what());
  }
  return 0;
}

// Not waiting on a create in doubt: neither one of its own nor one with a key it shares.
bool SyncPipeline::ready(const JournaledBooking& booking) {
  if (held_events_.contains(booking.event_id)) return false;
  if (held_keys_.empty()) return true;
  const engine::Evaluation& e = evaluate_stored(booking.payload);
  return e.outcome == engine::Outcome::error || !held_back(candidate_from(*plan_, booking.event_id, e));
}

bool SyncPipeline::held_back(const BookingCandidate& candidate) const {
  const auto shares_key = [&](const std::optional<hubspot::RecordCandidate>& record) {
    return record && std::any_of(record->keys.begin(), record->keys.end(),
                                 [&](const DedupeKey& k) { return held_keys_.contains(k); });
  };
  return shares_key(candidate.company) || shares_key(candidate.contact);
}

// The first call always looks (sync's one run); later ones at most every few seconds.
void SyncPipeline::release_repaired() {
  const auto now = clock_.now();
  if (now - parked_checked_ < kRepairCheckInterval) return;
  parked_checked_ = now;
  if (const auto released = store_.release_parked(tokens_.connection_id()))
    spdlog::info("connection {} works again: {} parked bookings are pending again", tokens_.connection_id(), released);
}

}  // namespace hubrules::runtime
