// `hubrules serve`: the live integration — TimeRex webhooks in, HubSpot records out.
//
//   hubrules serve --config FILE            any number of integrations (docs/deploy/hubrules.toml)
//   hubrules serve RULES --listen HOST:PORT [HubSpot options as sync]
//                                           one integration, webhooks at POST /webhooks/timerex
//
// SIGHUP reloads the config and the rules (checked first); SIGTERM or SIGINT stop it gracefully.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "runtime/cli/commands.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/cli/smtp_options.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/config/secret_source.hpp"
#include "runtime/config/service_config.hpp"
#include "runtime/serve/settings_from_config.hpp"
#include "runtime/serve/service.hpp"
#include "runtime/store/sqlite_state_store.hpp"

namespace hubrules::runtime {

namespace {

constexpr const char* kUsage =
    "usage: hubrules serve --config FILE [--listen HOST:PORT]   (--listen: several workers on one machine)\n"
    "       hubrules serve RULES --listen HOST:PORT [--webhook-secret-file F] [--tls-cert PEM --tls-key PEM]\n"
    "                      [--hubspot-url URL] [--hubspot-api 2026-03|v3] [--token-file F] [--connection ID]\n"
    "                      [--state FILE] [--ca-file PEM] [--burst-limit N] [--search-lag-ms N] [--give-up-after-s N]\n"
    "                      [--retry-for-days N] [--payload-retention-days N] [--shutdown-timeout-s N] [--lease-s N]\n"
    "                      [--admin-email ADDR] [--smtp URL [--smtp-user U] [--smtp-password-file F]] [--mail-from ADDR]\n"
    "                      [--mail-to ADDR] [--no-portal-schema]\n"
    "                      [--fsync-per-request]\n"
    "                      [--admin-token-file F] [--public-url URL] [--oauth-client-id ID --oauth-client-secret-file F]\n"
    "  the webhook secret: TIMEREX_WEBHOOK_SECRET or --webhook-secret-file (one secret a line: rotation)\n"
    "  /admin (the administrators' page): HUBRULES_ADMIN_TOKEN or --admin-token-file; Connect's app secret:\n"
    "  HUBSPOT_CLIENT_SECRET or --oauth-client-secret-file";

const std::set<std::string> valued_options = with_portal_options(
    {"config", "listen", "webhook-secret-file", "tls-cert", "tls-key", "burst-limit", "search-lag-ms",
     "give-up-after-s", "retry-for-days", "payload-retention-days", "shutdown-timeout-s", "lease-s", "admin-email",
     "smtp", "smtp-user", "smtp-password-file", "mail-from", "mail-to", "admin-token-file", "public-url",
     "oauth-client-id", "oauth-client-secret-file", "oauth-authorize-url"});
const std::set<std::string> flag_options = {"no-portal-schema", "fsync-per-request"};

std::vector<std::string> webhook_secrets_from(const CommandLine& cl) {
  config::SecretSource source;
  if (auto file = cl.value("webhook-secret-file")) source.file = *file;
  else source.env = "TIMEREX_WEBHOOK_SECRET";
  return config::read_secrets(source, "the TimeRex webhook secret");
}

void apply_listen(const std::string& listen, serve::ServeSettings& s) {
  try {
    const auto address = config::parse_listen_address(listen);
    s.http.host = address.host;
    s.http.port = address.port;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--listen: ") + e.what());
  }
}

admin::AdminSettings admin_settings_from(const CommandLine& cl) {
  config::SecretSource token;
  token.file = cl.value("admin-token-file").value_or("");
  std::optional<serve::OAuthApp> oauth;
  if (const auto client = cl.value("oauth-client-id")) {
    config::SecretSource secret;
    if (const auto file = cl.value("oauth-client-secret-file")) secret.file = *file;
    else secret.env = "HUBSPOT_CLIENT_SECRET";
    oauth = serve::OAuthApp{*client, secret, cl.value("oauth-authorize-url").value_or("")};
  }
  return serve::admin_settings(token, cl.value("public-url").value_or(""), oauth);
}

serve::ServeSettings settings_from_command_line(const CommandLine& cl) {
  serve::ServeSettings s;
  const auto listen = cl.value("listen");
  if (!listen) throw UsageError(std::string("serve RULES needs --listen HOST:PORT\n") + kUsage);
  apply_listen(*listen, s);
  s.http.tls_cert_file = cl.value("tls-cert").value_or("");
  s.http.tls_key_file = cl.value("tls-key").value_or("");
  const auth::PortalOptions portal = portal_options_from(cl);
  s.state_file = state_file_from(cl);
  s.hubspot_url = portal.access.hubspot_url;
  s.api_family = portal.access.api_family;
  s.extra_ca_pem = portal.access.extra_ca_pem;
  if (cl.value("burst-limit")) s.burst_limit = static_cast<std::size_t>(cl.number("burst-limit", 100, 1, 10'000));
  s.search_lag = Millis(cl.number("search-lag-ms", 30'000, 0, 600'000));
  s.give_up_after = Millis(1000 * cl.number("give-up-after-s", 120, 1, 86'400));
  s.retry_for_days = static_cast<int>(cl.number("retry-for-days", 3, 0, 365));
  s.payload_retention_days = static_cast<int>(cl.number("payload-retention-days", 30, 0, 3650));
  s.shutdown_timeout = Millis(1000 * cl.number("shutdown-timeout-s", 30, 0, 3600));
  s.lease.duration = Millis(1000 * cl.number("lease-s", 15, 1, 3600));
  s.lease.renew_every = std::max(Millis(200), s.lease.duration / 5);
  const SmtpCredentials smtp = smtp_options_from(cl);
  s.notifier.smtp_url = smtp.url;
  s.notifier.smtp_user = smtp.user;
  s.notifier.smtp_password = smtp.password;
  s.notifier.from = cl.value("mail-from").value_or(s.notifier.from);
  if (auto to = cl.value("mail-to")) s.notifier.to = {*to};
  s.check_portal_schema = !cl.flag("no-portal-schema");
  if (cl.flag("fsync-per-request")) s.committer.max_group = 1;
  serve::ServeIntegration integration;
  integration.name = kDefaultIntegration;
  integration.rules = cl.positionals()[0];
  integration.connection = portal.access.connection;
  integration.token = portal.access.token;
  integration.webhook_secrets = webhook_secrets_from(cl);
  integration.admin_email = cl.value("admin-email").value_or("");
  s.integrations.push_back(std::move(integration));
  s.unnamed_path = true;
  s.admin = admin_settings_from(cl);
  return s;
}

// Signals are taken by this thread alone (sigwait), so they are blocked before any other
// thread starts and every thread inherits the mask.
sigset_t service_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int serve_until_stopped(serve::Service& service, const sigset_t& signals) {
  std::cout << "hubrules serve: listening on " << service.url() << std::endl;
  while (true) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading the config and the rules");
      service.reload();
      continue;
    }
    spdlog::info("{}: stopping (answering what is in flight, finishing the current batches)",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    service.shutdown();
    spdlog::info("stopped");
    return 0;
  }
}

}  // namespace

int run_serve(const Args& args) {
  const CommandLine cl(args, valued_options, flag_options);
  const auto config_file = cl.value("config");
  if (config_file ? !cl.positionals().empty() : cl.positionals().size() != 1) throw UsageError(kUsage);
  serve::Service::SettingsLoader loader;
  if (config_file) {
    const auto listen = cl.value("listen");
    serve::ServeSettings checked;
    if (listen) apply_listen(*listen, checked);  // a bad address is refused now, not at start
    loader = [file = *config_file, listen, token_file = cl.value("admin-token-file")] {
      auto s = serve::settings_from_config(file);
      if (listen) apply_listen(*listen, s);
      if (token_file) s.admin.token = serve::admin_token({"", *token_file});
      return s;
    };
  }
  else loader = [settings = settings_from_command_line(cl)] { return settings; };
  const sigset_t signals = service_signals();
  serve::Service service(loader);
  try {
    service.start();
  } catch (const config::ConfigError& e) {
    std::cerr << e.what();
    std::cerr << "hubrules serve: fix the config and start again\n";
    return 1;
  } catch (const serve::StartError& e) {
    std::cerr << e.what();
    std::cerr << "hubrules serve: not started\n";
    return 1;
  }
  return serve_until_stopped(service, signals);
}

}  // namespace hubrules::runtime
