#include "runtime/notify/notifier.hpp"

#include <spdlog/spdlog.h>

#include "runtime/notify/outbox.hpp"

namespace hubrules::runtime::notify {

std::optional<TimePoint> MemoryNotificationLog::last_sent(std::string_view connection) {
  std::lock_guard lock(mutex_);
  std::optional<TimePoint> last;
  for (const auto& e : entries_)
    if (e.connection == connection && (!last || e.when > *last)) last = e.when;
  return last;
}

void MemoryNotificationLog::record_sent(std::string_view connection, TimePoint when, std::string_view subject) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::string(connection), when, std::string(subject)});
}

std::vector<MemoryNotificationLog::Entry> MemoryNotificationLog::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::string_view to_string(NotifyOutcome outcome) {
  switch (outcome) {
    case NotifyOutcome::sent: return "sent";
    case NotifyOutcome::written_to_outbox: return "written to outbox";
    case NotifyOutcome::throttled: return "throttled";
    case NotifyOutcome::failed: return "failed";
  }
  return "?";
}

namespace {

SmtpUrl smtp_url_with_credentials(const NotifierConfig& config) {
  SmtpUrl url = parse_smtp_url(config.smtp_url);
  if (!config.smtp_user.empty()) url.user = config.smtp_user;
  if (!config.smtp_password.empty()) url.password = config.smtp_password;
  if (!url.password.empty() && url.user.empty())
    throw SmtpError("an SMTP password is given but no user: name it in the URL (smtp://USER@host) or apart");
  return url;
}

}  // namespace

ErrorNotifier::ErrorNotifier(NotifierConfig config, NotificationLog& log, Clock& clock)
    : config_(std::move(config)), log_(log), clock_(clock) {
  if (!config_.smtp_url.empty()) smtp_url_ = smtp_url_with_credentials(config_);
}

NotifyResult ErrorNotifier::notify_failure(const FailureReport& report) {
  std::lock_guard lock(mutex_);
  TimePoint now = clock_.now();
  try {
    auto last = log_.last_sent(report.connection);
    if (last && now - *last < config_.interval) {
      std::string next = rfc5322_date(*last + config_.interval);
      spdlog::debug("error email for {} throttled until {}", report.connection, next);
      return {NotifyOutcome::throttled, "next email allowed after " + next};
    }
    auto to = report.admin_email.empty() ? config_.to : std::vector<std::string>{report.admin_email};
    EmailMessage message{config_.from, to, failure_subject(report), failure_body(report), now, {}};
    NotifyResult result = deliver(report, message);
    if (result.outcome != NotifyOutcome::failed) record(report, message, result);
    return result;
  } catch (const std::exception& e) {
    spdlog::error("error email for {}: {}", report.connection, e.what());
    return {NotifyOutcome::failed, e.what()};
  }
}

void ErrorNotifier::record(const FailureReport& report, const EmailMessage& message, NotifyResult& result) {
  // The email is out: a log that cannot record it costs at worst one extra email, so this is
  // reported but does not turn a delivered email into a failure.
  try {
    log_.record_sent(report.connection, message.date, message.subject);
  } catch (const std::exception& e) {
    spdlog::error("error email for {} sent but not recorded: {}", report.connection, e.what());
    result.detail += " (not recorded: " + std::string(e.what()) + ")";
  }
}

NotifyResult ErrorNotifier::deliver(const FailureReport& report, const EmailMessage& message) {
  std::string text = render_message(message);
  if (!smtp_url_) {
    auto path = Outbox(config_.outbox_dir).write(text, message.date);
    spdlog::warn("error email for {} written to {} (no SMTP server configured)", report.connection, path.string());
    return {NotifyOutcome::written_to_outbox, path.string()};
  }
  if (message.to.empty()) throw SmtpError("no recipient for the error email");
  try {
    SmtpSender(*smtp_url_, config_.smtp).send({message.from, message.to}, text);
  } catch (const SmtpError& e) {
    // Not recorded as sent: the next failure tries again.
    spdlog::error("error email for {} not sent: {}", report.connection, e.what());
    return {NotifyOutcome::failed, e.what()};
  }
  spdlog::info("error email for {} sent to {}", report.connection, message.to.front());
  return {NotifyOutcome::sent, smtp_url_->redacted()};
}

}  // namespace hubrules::runtime::notify
