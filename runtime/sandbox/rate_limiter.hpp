#pragma once
// A rolling-window request counter: HubSpot's burst limit is N requests in any 10 seconds and
// its search limit N per second (HUBSPOT-API.md, Rate limits; Search).
#include <cstddef>
#include <deque>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime::sandbox {

class RateLimiter {
 public:
  RateLimiter(int limit, Millis window) : limit_(limit), window_(window) {}

  // Counts a request at now and says whether it is within the limit; refused ones do not count.
  bool admit(TimePoint now);
  // Requests left in the current window (after the last admitted one).
  int remaining(TimePoint now);
  int limit() const { return limit_; }
  Millis window() const { return window_; }

 private:
  void expire(TimePoint now);

  int limit_;
  Millis window_;
  std::deque<TimePoint> admitted_;
};

}  // namespace hubrules::runtime::sandbox
