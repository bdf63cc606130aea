// hubrules: a thin main over the runtime's commands.
#include <iostream>
#include <map>
#include <string>

#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/base/logging.hpp"
#include "runtime/sandbox/sandbox.hpp"

namespace {

constexpr const char* usage = R"(hubrules — HubSpot records from TimeRex bookings, by rule files

usage:
  hubrules check RULES… [--schema DIR]        check rule files against the HubSpot schema
  hubrules map RULES [BOOKINGS|-] [--threads N] [--as-batches] [--schema DIR]
                                              map NDJSON bookings to records, one JSON line each
  hubrules test PATH… [--functions]           run rule tests (*.test files; folders are searched)
  hubrules functions [--markdown]             list the standard functions with their examples
  hubrules sandbox --listen 127.0.0.1:PORT [--db FILE] [--search-lag-ms N] [--burst-limit N]
                   [--search-rate N] [--fail-rate P] [--seed S] [--legacy-sunset] [--batch-errors-in-body]
                                              a local HubSpot-compatible server (see runtime/sandbox/README.md)
  hubrules sync RULES [BOOKINGS…|-] [--hubspot-url URL] [--token-file F] [--state FILE] [--burst-limit N]
                [--search-rate N] [--search-lag-ms N] [--smtp URL] [--smtp-user U] [--smtp-password-file F]
                [--mail-to ADDR] [--no-progress]
                                              deliver bookings to HubSpot (token: HUBSPOT_TOKEN, --token-file
                                              or the connection `hubrules connect` stored; SMTP password:
                                              HUBRULES_SMTP_PASSWORD or --smtp-password-file)
  hubrules retry RULES [same options as sync]  deliver the failed bookings again
  hubrules demo [RULES] [BOOKINGS]            the whole path on an in-process sandbox
  hubrules serve --config FILE                the live service: TimeRex webhooks in, HubSpot out
  hubrules serve RULES --listen HOST:PORT [HubSpot options as sync] [--tls-cert PEM --tls-key PEM]
                                              one integration (secret: TIMEREX_WEBHOOK_SECRET or
                                              --webhook-secret-file); see docs/deploy/
  hubrules connect --client-id ID [--client-secret-file F] [--port P] [--hubspot-url URL]
                   [--authorize-url URL] [--scopes S] [--admin-email E] [--state FILE] [--no-browser]
  hubrules connect --token-file F             (or HUBSPOT_TOKEN) a private app's token
                                              connect to a HubSpot portal (see runtime/auth/README.md)
  hubrules disconnect [--connection ID] [--state FILE]
                                              revoke the connection's tokens at HubSpot and forget them
  hubrules schema pull DIR [--connection ID | --token-file F] [--hubspot-url URL]
                                              save the portal's own properties for check --schema DIR
  hubrules migrate [--state FILE|postgresql://…]
                                              bring the state store's schema up to date (PostgreSQL:
                                              before starting workers of a new version)

--state takes a SQLite file (the default: hubrules-state.db) or a postgresql:// URL shared by
several `serve` workers (the password from PGPASSFILE or ~/.pgpass, never in the URL)

every command that talks to HubSpot takes --hubspot-api 2026-03 (the default) or v3 (the legacy
/crm/v3, /crm/v4 and /oauth/v1 paths)

exit status: 0 success, 1 errors found, 2 usage error
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace hubrules::runtime;
  setup_logging();
  const std::map<std::string, int (*)(const Args&)> commands = {
      {"check", run_check},     {"map", run_map},   {"test", run_test},   {"functions", run_functions},
      {"sandbox", run_sandbox}, {"sync", run_sync}, {"retry", run_retry}, {"demo", run_demo},     {"serve", run_serve},
      {"connect", run_connect}, {"disconnect", run_disconnect}, {"schema", run_schema}, {"migrate", run_migrate}};
  if (argc < 2) {
    std::cerr << usage;
    return 2;
  }
  if (std::string(argv[1]) == "help" || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << usage;
    return 0;
  }
  const auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::cerr << "hubrules: unknown command `" << argv[1] << "`\n\n" << usage;
    return 2;
  }
  try {
    return it->second(Args(argv + 2, argv + argc));
  } catch (const UsageError& e) {
    std::cerr << "hubrules " << argv[1] << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hubrules " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
