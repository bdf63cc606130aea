#include "runtime/notify/store_notification_log.hpp"

namespace hubrules::runtime::notify {

std::optional<TimePoint> StoreNotificationLog::last_sent(std::string_view connection) {
  auto last = store_.last_notification(std::string(connection));
  if (!last) return std::nullopt;
  return last->sent_at;
}

void StoreNotificationLog::record_sent(std::string_view connection, TimePoint when, std::string_view subject) {
  store_.record_notification({std::string(connection), when, std::string(subject)});
}

}  // namespace hubrules::runtime::notify
