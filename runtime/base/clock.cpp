#include "runtime/base/clock.hpp"

#include <thread>

namespace hubrules::runtime {

namespace {
class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  void sleep_for(Millis d) override { std::this_thread::sleep_for(d); }
};
}  // namespace

Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

}  // namespace hubrules::runtime
