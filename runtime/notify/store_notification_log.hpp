#pragma once
// The throttle's memory in the state store, so "one email per week" survives restarts.
#include "runtime/notify/notifier.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::notify {

class StoreNotificationLog : public NotificationLog {
 public:
  explicit StoreNotificationLog(StateStore& store) : store_(store) {}
  std::optional<TimePoint> last_sent(std::string_view connection) override;
  // Throws StoreError when the connection is not saved in the store.
  void record_sent(std::string_view connection, TimePoint when, std::string_view subject) override;

 private:
  StateStore& store_;
};

}  // namespace hubrules::runtime::notify
