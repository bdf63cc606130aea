#pragma once
// Everything `hubrules serve` runs with, whether it came from a config file (TOML) or from the
// single-integration command line. Secrets are already read (from the environment or files):
// nothing here came from a command line or the config file itself.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/admin/admin_settings.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/http/http_server.hpp"
#include "runtime/notify/notifier.hpp"
#include "runtime/serve/journal_committer.hpp"
#include "runtime/sync/lease_keeper.hpp"

namespace hubrules::runtime::serve {

struct ServeIntegration {
  std::string name;
  std::filesystem::path rules;
  std::string connection;  // a stored connection's id; empty with `token`
  std::string token;       // a private app's token; empty for a stored connection
  std::vector<std::string> webhook_secrets;  // any of them is accepted (rotation)
  std::string team_url_path;
  std::string calendar_url_path;
  std::string admin_email;
  std::string hubspot_url;  // empty: ServeSettings::hubspot_url
};

struct ServeSettings {
  http::ServerOptions http;
  std::string state_file;
  // HubSpot
  std::string hubspot_url = "https://api.hubapi.com";
  hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03;
  std::vector<std::string> extra_ca_pem;
  std::optional<std::size_t> burst_limit;  // a ceiling; absent: learned from the portal's answers
  Millis give_up_after{120'000};           // one HubSpot request, retries included
  Millis search_lag{30'000};
  // the error email
  notify::NotifierConfig notifier;  // outbox_dir and state_file are set by the service
  // integrations; `unnamed_path`: the single-integration form also answers at /webhooks/timerex
  std::vector<ServeIntegration> integrations;
  bool unnamed_path = false;
  bool check_portal_schema = true;  // rules checked against each portal's properties at start
  // running
  int retry_for_days = 3;
  int payload_retention_days = 30;
  Millis shutdown_timeout{30'000};
  LeaseOptions lease;
  CommitterOptions committer;
  // /admin: off while admin.token is empty. With it on, an integration whose connection is not
  // stored yet waits for Connect (its webhooks are journaled) instead of stopping the start.
  admin::AdminSettings admin;
};

}  // namespace hubrules::runtime::serve
