#pragma once
// Decides whether a failed post becomes an error email (at most one per connection per week,
// however many failures) and sends it by SMTP, or writes it to the outbox when no SMTP server
// is configured.
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/notify/message.hpp"
#include "runtime/notify/smtp.hpp"

namespace hubrules::runtime::notify {

// When the admin was last told about a connection. The state store implements it so the
// throttle survives restarts; MemoryNotificationLog serves tests.
class NotificationLog {
 public:
  virtual ~NotificationLog() = default;
  // Not const: an implementation reads a database.
  virtual std::optional<TimePoint> last_sent(std::string_view connection) = 0;
  virtual void record_sent(std::string_view connection, TimePoint when, std::string_view subject) = 0;
};

class MemoryNotificationLog : public NotificationLog {
 public:
  struct Entry {
    std::string connection;
    TimePoint when;
    std::string subject;
  };
  std::optional<TimePoint> last_sent(std::string_view connection) override;
  void record_sent(std::string_view connection, TimePoint when, std::string_view subject) override;
  std::vector<Entry> entries() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

struct NotifierConfig {
  std::string smtp_url;  // empty: write to the outbox
  // Credentials given apart from the URL (from a file or the environment, not a command line);
  // when set they replace the URL's own.
  std::string smtp_user;
  std::string smtp_password;  // never printed
  SmtpOptions smtp;
  std::filesystem::path outbox_dir;  // usually Outbox::beside(state file)
  std::string from = "hubrules@localhost";
  std::vector<std::string> to;  // the integration's admin(s), unless the report names one
  std::chrono::system_clock::duration interval = std::chrono::hours(24 * 7);
  std::string state_file;  // named in the body; optional
};

enum class NotifyOutcome { sent, written_to_outbox, throttled, failed };
std::string_view to_string(NotifyOutcome outcome);

struct NotifyResult {
  NotifyOutcome outcome;
  std::string detail;  // the outbox file, the SMTP error, or when the next email is allowed
};

class ErrorNotifier {
 public:
  // Throws SmtpError on a malformed SMTP URL, or a password without a user, so a typo shows at
  // start-up, not at the first failure.
  ErrorNotifier(NotifierConfig config, NotificationLog& log, Clock& clock);

  // Called on every failed post; most calls are throttled. Never throws: a notifier failure
  // must not hide the failure being reported.
  NotifyResult notify_failure(const FailureReport& report);

 private:
  NotifyResult deliver(const FailureReport& report, const EmailMessage& message);
  void record(const FailureReport& report, const EmailMessage& message, NotifyResult& result);

  NotifierConfig config_;
  std::optional<SmtpUrl> smtp_url_;
  NotificationLog& log_;
  Clock& clock_;
  std::mutex mutex_;  // the throttle's check and record are one step
};

}  // namespace hubrules::runtime::notify
