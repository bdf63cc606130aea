#pragma once
// How failed deliveries are tried again (serve): after each delay in turn, then after the last
// one again and again, until `give_up_after` has passed since the booking arrived; then the
// booking fails for good (the error email; `hubrules retry` requeues it). No delays: a failure
// is final at once, as in `sync`, whose next run is the retry.
#include <vector>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime {

struct RetrySchedule {
  std::vector<Millis> delays;
  Millis give_up_after{0};

  // The wait after the booking's `attempts`-th attempt failed (attempts counts from 1).
  Millis delay_after(int attempts) const;

  // 1 min, 5 min, 30 min, 2 h, 6 h, then daily, for `days` days.
  static RetrySchedule standard(int days);
};

}  // namespace hubrules::runtime
