#include "runtime/sync/sync_report.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace hubrules::runtime {

std::string render_summary(const SyncCounts& c, double seconds) {
  std::string out;
  const auto line = [&](std::string_view label, std::string value) { out += fmt::format("  {:<14}{}\n", label, value); };
  out += fmt::format("sync: {} bookings read in {:.1f} s\n", c.lines, seconds);
  line("journal", fmt::format("{} new, {} already journaled, {} unreadable", c.journaled, c.already_known, c.unreadable));
  line("bookings", fmt::format("{} delivered, {} skipped, {} invalid, {} failed, {} parked, {} still pending",
                               c.delivered, c.skipped, c.invalid, c.failed, c.parked, c.still_pending));
  line("contacts", fmt::format("{} created, {} duplicates", c.contacts_created, c.contacts_duplicate));
  line("companies", fmt::format("{} created, {} duplicates", c.companies_created, c.companies_duplicate));
  line("associations", fmt::format("{}", c.associations));
  line("HubSpot API", fmt::format("{} calls, {} answered 429, {} retries, {} in-doubt creates resolved", c.api.calls,
                                  c.api.rate_limited, c.api.retries, c.in_doubt_resolved));
  if (c.stored_failed > 0 || c.stored_parked > 0)
    line("kept", fmt::format("{} failed bookings wait for `hubrules retry`, {} parked wait for `hubrules connect`",
                             c.stored_failed, c.stored_parked));
  return out;
}

void ProgressBar::show(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) return;
  constexpr std::size_t width = 30;
  const std::size_t filled = std::min(width, done * width / total);
  std::string bar(filled, '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  const std::string text = fmt::format("\r[{}] {}/{} bookings", bar, done, total);
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, "\n", 1);
  drawn_ = false;
}

}  // namespace hubrules::runtime
