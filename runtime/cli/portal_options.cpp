#include "runtime/cli/portal_options.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "runtime/config/secret_source.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/store/sqlite_state_store.hpp"

namespace hubrules::runtime {

hubspot::ApiFamily api_family_from(const CommandLine& line) {
  const auto name = line.value("hubspot-api");
  if (!name) return hubspot::ApiFamily::v2026_03;
  if (const auto family = hubspot::parse_api_family(*name)) return *family;
  throw UsageError("--hubspot-api takes 2026-03 (the default) or v3 (the legacy /crm/v3, /crm/v4 and /oauth/v1 "
                   "paths), not `" + *name + "`");
}

std::string private_app_token_from(const CommandLine& line) {
  const auto token = line.value("token");
  const auto file = line.value("token-file");
  if (token && file) throw UsageError("--token and --token-file exclude each other");
  if (token) {
    // Still accepted, so existing scripts keep working, but `ps` shows it to every user here.
    spdlog::warn("--token puts the token on the command line, where every user of this machine can read it; "
                 "use HUBSPOT_TOKEN or --token-file instead");
    return *token;
  }
  if (file) return config::read_secret({"", *file}, "the private app's token (--token-file)");
  const char* env = std::getenv("HUBSPOT_TOKEN");
  return env ? env : "";
}

std::vector<std::string> extra_ca_from(const CommandLine& line) {
  const auto file = line.value("ca-file");
  if (!file) return {};
  auto pem = read_text_file(*file);
  if (!pem) throw UsageError("cannot read --ca-file " + *file);
  return {*pem};
}

std::string state_file_from(const CommandLine& line) { return line.value("state").value_or(kDefaultStateFile); }

auth::PortalOptions portal_options_from(const CommandLine& line) {
  auth::PortalOptions o;
  o.access.hubspot_url = line.value("hubspot-url").value_or(o.access.hubspot_url);
  o.access.api_family = api_family_from(line);
  o.access.token = private_app_token_from(line);
  o.access.connection = line.value("connection").value_or("");
  o.access.extra_ca_pem = extra_ca_from(line);
  return o;
}

std::set<std::string> with_portal_options(std::set<std::string> valued) {
  valued.insert(kPortalOptions.begin(), kPortalOptions.end());
  return valued;
}

}  // namespace hubrules::runtime
