// hubrules sync RULES [BOOKINGS…|-] [--hubspot-url URL] [--token T] [--state FILE] …
// hubrules retry RULES …: the failed bookings again.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/sync/sync_session.hpp"

namespace hubrules::runtime {

namespace {

std::string usage(bool retry) {
  return std::string("usage: hubrules ") + (retry ? "retry RULES" : "sync RULES [BOOKINGS…|-]") +
         " [--hubspot-url URL] [--hubspot-api 2026-03|v3] [--token T] [--connection ID] [--state FILE]\n"
         "       [--burst-limit N] [--search-rate N] [--search-lag-ms N] [--give-up-after-s N]\n"
         "       [--smtp URL] [--mail-from ADDR] [--mail-to ADDR] [--ca-file PEM] [--schema DIR] [--no-progress]";
}

const std::set<std::string> valued_options = with_portal_options(
    {"burst-limit", "search-rate", "search-lag-ms", "give-up-after-s", "smtp", "mail-from", "mail-to", "schema"});

SyncSettings settings_from(const CommandLine& cl) {
  SyncSettings s;
  const auth::PortalOptions portal = portal_options_from(cl);
  s.hubspot_url = portal.hubspot_url;
  s.api_family = portal.api_family;
  s.token = portal.token;
  s.connection = portal.connection;
  s.extra_ca_pem = portal.extra_ca_pem;
  s.state_file = state_file_from(cl);
  // HUBSPOT-API.md, Rate limits: 100 per 10 s for free/starter portals (where a run starts), 5
  // searches per second. The portal's rate headers then tell its real limit; --burst-limit caps it.
  s.limits.learn_burst_limit = !cl.value("burst-limit");
  s.limits.burst_max = static_cast<std::size_t>(cl.number("burst-limit", 100, 1, 10'000));
  s.limits.search_max = static_cast<std::size_t>(cl.number("search-rate", 5, 1, 1'000));
  s.pipeline.search_lag = Millis(cl.number("search-lag-ms", 30'000, 0, 600'000));
  s.retry.max_total = Millis(1000 * cl.number("give-up-after-s", 120, 1, 86'400));
  s.smtp_url = cl.value("smtp").value_or("");
  s.mail_from = cl.value("mail-from").value_or(s.mail_from);
  if (auto to = cl.value("mail-to")) s.mail_to = {*to};
  s.pipeline.progress = !cl.flag("no-progress") && ::isatty(STDERR_FILENO);
  return s;
}

void read_bookings(SyncSession& session, const std::vector<std::string>& files) {
  for (const auto& file : files) {
    if (file == "-") {
      session.intake(STDIN_FILENO, "standard input");
      continue;
    }
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(file + ": " + std::strerror(errno));
    session.intake(fd, file);
    ::close(fd);
  }
}

int run_delivery(const Args& args, bool retry) {
  const CommandLine cl(args, valued_options, {"no-progress"});
  if (cl.positionals().empty() || (retry && cl.positionals().size() > 1))
    throw UsageError(usage(retry));
  const LoadedRules rules = load_rules(cl.positionals()[0], schema_for(cl.value("schema")));
  std::cerr << rules.rendered;
  if (!rules.compilation.plan) return 1;
  const auto start = std::chrono::steady_clock::now();
  SyncSession session(rules.compilation.plan, settings_from(cl));
  if (retry) spdlog::info("{} failed bookings are pending again", session.requeue_failed());
  read_bookings(session, {cl.positionals().begin() + 1, cl.positionals().end()});
  const SyncCounts counts = session.deliver();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << render_summary(counts, seconds) << std::flush;
  return counts.clean() ? 0 : 1;
}

}  // namespace

int run_sync(const Args& args) { return run_delivery(args, false); }
int run_retry(const Args& args) { return run_delivery(args, true); }

}  // namespace hubrules::runtime
