#pragma once
// Time as the runtime sees it. Injectable, so that access-token expiry (30 minutes), the
// 180-day rule, the weekly error-email throttle, backoff and rate limits are tested without
// waiting.
#include <chrono>
#include <mutex>

namespace hubrules::runtime {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual void sleep_for(Millis d) = 0;

  // The real clock.
  static Clock& system();
};

// A clock that only moves when told to: sleep_for() advances it at once.
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{} + std::chrono::hours(24 * 365 * 56)) : now_(start) {}
  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_for(Millis d) override { advance(d); }
  void advance(std::chrono::system_clock::duration d) {
    std::lock_guard lock(mutex_);
    now_ += d;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

}  // namespace hubrules::runtime
