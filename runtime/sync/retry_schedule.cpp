#include "runtime/sync/retry_schedule.hpp"

#include <algorithm>

namespace hubrules::runtime {

Millis RetrySchedule::delay_after(int attempts) const {
  if (delays.empty()) return Millis{0};
  const auto index = static_cast<std::size_t>(std::max(attempts, 1) - 1);
  return delays[std::min(index, delays.size() - 1)];
}

RetrySchedule RetrySchedule::standard(int days) {
  using namespace std::chrono;
  RetrySchedule schedule;
  schedule.delays = {duration_cast<Millis>(minutes(1)), duration_cast<Millis>(minutes(5)),
                     duration_cast<Millis>(minutes(30)), duration_cast<Millis>(hours(2)),
                     duration_cast<Millis>(hours(6)), duration_cast<Millis>(hours(24))};
  schedule.give_up_after = duration_cast<Millis>(hours(24) * std::max(days, 0));
  return schedule;
}

}  // namespace hubrules::runtime
