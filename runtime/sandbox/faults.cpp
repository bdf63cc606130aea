#include "runtime/sandbox/faults.hpp"

namespace hubrules::runtime::sandbox {

std::optional<Fault> FaultInjector::next() {
  if (!queued_.empty()) {
    const Fault f = queued_.front();
    queued_.pop_front();
    if (f == Fault::none) return std::nullopt;
    return f;
  }
  if (rate_ <= 0) return std::nullopt;
  // Own draws instead of std::uniform_*_distribution, whose output differs between standard
  // libraries: a seed gives the same run everywhere.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  if (u >= rate_) return std::nullopt;
  return static_cast<Fault>(rng_() % 4);
}

}  // namespace hubrules::runtime::sandbox
