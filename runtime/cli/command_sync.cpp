// hubrules sync RULES [BOOKINGS…|-] [--hubspot-url URL] [--token-file F] [--state FILE] …
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
#include "runtime/cli/smtp_options.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/config/secret_source.hpp"
#include "runtime/notify/smtp.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/sync/portal_schema.hpp"
#include "runtime/sync/sync_session.hpp"

namespace hubrules::runtime {

namespace {

// sysexits.h's EX_TEMPFAIL: a cron job may simply run again later.
constexpr int kExitConnectionBusy = 75;

std::string usage(bool retry) {
  return std::string("usage: hubrules ") + (retry ? "retry RULES" : "sync RULES [BOOKINGS…|-]") +
         " [--hubspot-url URL] [--hubspot-api 2026-03|v3] [--token-file F] [--connection ID] [--state FILE]\n"
         "       [--burst-limit N] [--search-rate N] [--search-lag-ms N] [--give-up-after-s N]\n"
         "       [--smtp URL [--smtp-user U] [--smtp-password-file F]] [--mail-from ADDR] [--mail-to ADDR]\n"
         "       [--ca-file PEM] [--schema DIR | --no-portal-schema] [--wait-s N] [--no-progress]\n"
         "the private app's token: HUBSPOT_TOKEN or --token-file F (--token T works, but `ps` shows it);\n"
         "the SMTP password: --smtp-password-file F or HUBRULES_SMTP_PASSWORD, not inside the --smtp URL";
}

const std::set<std::string> valued_options =
    with_portal_options({"burst-limit", "search-rate", "search-lag-ms", "give-up-after-s", "smtp", "smtp-user",
                         "smtp-password-file", "mail-from", "mail-to", "schema", "wait-s"});

SyncSettings settings_from(const CommandLine& cl) {
  SyncSettings s;
  s.portal = portal_options_from(cl);
  s.state_file = state_file_from(cl);
  // HUBSPOT-API.md, Rate limits: 100 per 10 s for free/starter portals (where a run starts), 5
  // searches per second. The portal's rate headers then tell its real limit; --burst-limit caps it.
  s.portal.limits.learn_burst_limit = !cl.value("burst-limit");
  s.portal.limits.burst_max = static_cast<std::size_t>(cl.number("burst-limit", 100, 1, 10'000));
  s.portal.limits.search_max = static_cast<std::size_t>(cl.number("search-rate", 5, 1, 1'000));
  s.pipeline.search_lag = Millis(cl.number("search-lag-ms", 30'000, 0, 600'000));
  s.portal.retry.max_total = Millis(1000 * cl.number("give-up-after-s", 120, 1, 86'400));
  const SmtpCredentials smtp = smtp_options_from(cl);
  s.smtp_url = smtp.url;
  s.smtp_user = smtp.user;
  s.smtp_password = smtp.password;
  s.mail_from = cl.value("mail-from").value_or(s.mail_from);
  if (auto to = cl.value("mail-to")) s.mail_to = {*to};
  s.pipeline.progress = !cl.flag("no-progress") && ::isatty(STDERR_FILENO);
  s.wait_for_lease = Millis(1000 * cl.number("wait-s", 0, 0, 86'400));
  return s;
}

// The rules as this run delivers them. With --schema DIR, checked against that export; else
// against the portal's own properties (cached in the state for an hour), so a property the
// portal lacks is named before anything is journaled or delivered. When that schema cannot be
// read (a token without the crm.schemas scopes, HubSpot down), the bundled schema checks them
// and the run says so.
LoadedRules rules_for_delivery(const CommandLine& cl, const SyncSettings& settings) {
  const std::string& path = cl.positionals()[0];
  if (cl.value("schema") || cl.flag("no-portal-schema")) return load_rules(path, schema_for(cl.value("schema")));
  try {
    const auto owned = open_state_store(settings.state_file);
    StateStore& store = *owned;
    auth::PortalOptions options = settings.portal;
    options.retry.max_total = std::min(options.retry.max_total, Millis(10'000));
    auth::PortalApi portal(store, Clock::system(), options);
    return load_rules(path, schema_to_check_against(portal, store, Clock::system(), settings.schema_max_age));
  } catch (const auth::NoConnection&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::warn("rules checked against the bundled HubSpot schema, not the portal's: {}", e.what());
    return load_rules(path, engine::HubSpotSchema::bundled());
  }
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
  const CommandLine cl(args, valued_options, {"no-progress", "no-portal-schema"});
  if (cl.positionals().empty() || (retry && cl.positionals().size() > 1))
    throw UsageError(usage(retry));
  const auto start = std::chrono::steady_clock::now();
  const SyncSettings settings = settings_from(cl);
  const LoadedRules rules = rules_for_delivery(cl, settings);
  std::cerr << rules.rendered;
  if (!rules.compilation.plan) {
    std::cerr << "hubrules " << (retry ? "retry" : "sync") << ": nothing was read or delivered; fix the rules and run again\n";
    return 1;
  }
  SyncSession session(rules.compilation.plan, settings);
  if (retry) spdlog::info("{} failed bookings are pending again", session.requeue_failed());
  read_bookings(session, {cl.positionals().begin() + 1, cl.positionals().end()});
  SyncCounts counts;
  try {
    counts = session.deliver();
  } catch (const LeaseBusy& busy) {
    std::cerr << "hubrules " << (retry ? "retry" : "sync") << ": " << busy.what() << "\n";
    return kExitConnectionBusy;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << render_summary(counts, seconds) << std::flush;
  return counts.clean() ? 0 : 1;
}

}  // namespace

int run_sync(const Args& args) { return run_delivery(args, false); }
int run_retry(const Args& args) { return run_delivery(args, true); }

}  // namespace hubrules::runtime
