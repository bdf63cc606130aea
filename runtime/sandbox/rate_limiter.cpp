#include "runtime/sandbox/rate_limiter.hpp"

namespace hubrules::runtime::sandbox {

void RateLimiter::expire(TimePoint now) {
  while (!admitted_.empty() && now - admitted_.front() >= window_) admitted_.pop_front();
}

bool RateLimiter::admit(TimePoint now) {
  expire(now);
  if (limit_ <= 0 || static_cast<int>(admitted_.size()) >= limit_) return false;
  admitted_.push_back(now);
  return true;
}

int RateLimiter::remaining(TimePoint now) {
  expire(now);
  const int left = limit_ - static_cast<int>(admitted_.size());
  return left < 0 ? 0 : left;
}

}  // namespace hubrules::runtime::sandbox
