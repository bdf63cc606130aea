#pragma once
// Client-side rate limits per HubSpot portal, so that a sync stays under HubSpot's limits
// instead of discovering them through 429s (HUBSPOT-API.md "Rate limits" and "Search").
#include <cstddef>
#include <deque>
#include <mutex>

#include "runtime/base/clock.hpp"
#include "runtime/http/http_types.hpp"

namespace hubrules::runtime::http {

enum class LimitKind {
  Burst,   // every call but search: the rolling burst limit and HubSpot's remaining count
  Search,  // search calls: the per-second search limit only (HUBSPOT-API.md, API versions:
           // "search not counted" in the burst limit; search answers carry no rate headers)
};

struct RateLimits {
  // The windows are a little longer than HubSpot's: HubSpot sees a call some milliseconds after
  // the limiter grants it, so an exact window meets 429s at its edge.
  // Sources disagree on the burst limit (100 free/starter, 190 pro, 110 public apps), so the
  // portal's own answers decide: X-HubSpot-RateLimit-Max per -Interval-Milliseconds lowers the
  // limit when it is below burst_max, and with learn_burst_limit raises it too (burst_max is
  // then only where a run starts; with it off, burst_max is a ceiling the user set).
  std::size_t burst_max = 100;
  Millis burst_window{10'100};
  // "5 requests per second per account (formerly 4)".
  std::size_t search_max = 5;
  Millis search_window{1'050};
  bool learn_burst_limit = false;  // see burst_max
};

// Thread-safe. Every wait goes through Clock::sleep_for, never while holding the lock.
class RateLimiter {
 public:
  RateLimiter(Clock& clock, RateLimits limits = {});

  // Blocks until a call of this kind may go out, then counts it.
  // Returns the time of the grant, as the window counts it.
  TimePoint acquire(LimitKind kind);
  // How long acquire(kind) would wait now (0 when a slot is free).
  Millis wait_time(LimitKind kind) const;

  // Adapts to what HubSpot says is left (X-HubSpot-RateLimit-Remaining and
  // -Interval-Milliseconds): other apps and processes share the portal's budget. And to the
  // portal's limit (X-HubSpot-RateLimit-Max), as RateLimits says.
  void observe(const HttpResponse& response);
  // The burst limit in force now: calls per window, and the window.
  std::size_t burst_max() const;
  Millis burst_window() const;
  // Holds every call of this kind until now + d (after a 429).
  void pause(LimitKind kind, Millis d);

  const RateLimits& limits() const { return limits_; }

 private:
  struct Window {
    std::size_t max;
    Millis length;
    std::deque<TimePoint> grants;
    TimePoint paused_until{};
  };
  Millis wait_locked(const Window& w, TimePoint now) const;
  Millis wait_locked(LimitKind kind, TimePoint now) const;
  Millis server_wait_locked(TimePoint now) const;
  std::size_t counted_grants_expired(TimePoint now) const;
  void prune_burst(TimePoint now);
  void prune(Window& w, TimePoint now) const;
  void adopt_portal_limit(long max, std::optional<long> interval_ms);
  Window& window(LimitKind kind) { return kind == LimitKind::Search ? search_ : burst_; }

  Clock& clock_;
  RateLimits limits_;
  mutable std::mutex mutex_;
  Window burst_;
  Window search_;
  // HubSpot's own count: calls left until server_reset_ (unknown until a header arrives).
  long server_remaining_ = -1;
  TimePoint server_reset_{};
  TimePoint server_seen_at_{};  // when HubSpot last said what was left
};

}  // namespace hubrules::runtime::http
