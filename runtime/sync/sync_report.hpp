#pragma once
// What a sync did, counted as it goes: the summary printed at the end and the progress bar
// drawn on a terminal while it runs.
#include <cstddef>
#include <string>

#include "runtime/hubspot/hubspot_api.hpp"

namespace hubrules::runtime {

struct SyncCounts {
  // intake
  std::size_t lines = 0;          // bookings read (non-blank input lines)
  std::size_t journaled = 0;      // new in the journal
  std::size_t already_known = 0;  // journaled before (a re-delivery): left as they were
  std::size_t unreadable = 0;     // no event.id could be read: reported, not journaled
  // delivery, for the bookings this run finished
  std::size_t delivered = 0;
  std::size_t skipped = 0;   // the rules post nothing for them
  std::size_t invalid = 0;   // their payload is not a booking the rules can read
  std::size_t failed = 0;    // given up; kept for `hubrules retry`
  std::size_t retrying = 0;  // failed this time; tried again after a delay (serve)
  std::size_t parked = 0;    // their connection is broken; kept until `hubrules connect`
  std::size_t still_pending = 0;  // left undelivered when the run stopped (e.g. the daily limit)
  std::size_t contacts_created = 0;
  std::size_t contacts_duplicate = 0;
  std::size_t companies_created = 0;
  std::size_t companies_duplicate = 0;
  std::size_t associations = 0;
  std::size_t in_doubt_resolved = 0;  // creates whose answer was lost, settled by looking
  // the whole store after the run, earlier runs included
  std::size_t stored_failed = 0;  // waiting for `hubrules retry`
  std::size_t stored_parked = 0;  // waiting for `hubrules connect`
  hubspot::ApiCounts api;

  // Every booking delivered or rightly skipped: the exit status 0.
  bool clean() const { return unreadable == 0 && invalid == 0 && failed == 0 && parked == 0 && still_pending == 0; }
};

std::string render_summary(const SyncCounts& counts, double seconds);

// Draws "[=====>    ] 340/1000 bookings" over itself on standard error when it is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void show(std::size_t done, std::size_t total);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace hubrules::runtime
