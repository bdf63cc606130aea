// `hubrules connect`: a thin shell over auth/connect.hpp (an OAuth app or a private-app token).
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "runtime/config/secret_source.hpp"
#include "runtime/auth/connect.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/portal_options.hpp"
#include "runtime/store/open_state_store.hpp"

extern char** environ;

namespace hubrules::runtime {

namespace {

// Best effort: the URL is printed anyway, so a machine without a desktop loses nothing.
void try_open_browser(const std::string& url) {
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const int failed = posix_spawnp(&pid, "xdg-open", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  // Reaped on the side: some xdg-open setups only return when the browser exits.
  if (!failed) std::thread([pid] { ::waitpid(pid, nullptr, 0); }).detach();
}

// A file or the environment keeps the secret out of `ps` and shell history; --client-secret
// still works, with a warning, like --token.
std::string client_secret_from(const CommandLine& line) {
  if (const auto file = line.value("client-secret-file"))
    return config::read_secret({"", *file}, "the OAuth app's secret (--client-secret-file)");
  if (const auto secret = line.value("client-secret")) {
    spdlog::warn("--client-secret puts the app's secret on the command line, where `ps` shows it; use "
                 "HUBSPOT_CLIENT_SECRET or --client-secret-file F");
    return *secret;
  }
  const char* env_secret = std::getenv("HUBSPOT_CLIENT_SECRET");
  return env_secret ? env_secret : "";
}

int connect_with_oauth(const CommandLine& line, const std::string& state_file) {
  auth::ConnectOptions options;
  options.client_id = *line.value("client-id");
  options.client_secret = client_secret_from(line);
  if (options.client_secret.empty())
    throw UsageError("--client-id needs the app's secret: HUBSPOT_CLIENT_SECRET or --client-secret-file F");
  options.hubspot_url = line.value("hubspot-url").value_or(options.hubspot_url);
  options.authorize_url = line.value("authorize-url").value_or("");
  options.scopes = line.value("scopes").value_or(options.scopes);
  options.admin_email = line.value("admin-email").value_or("");
  options.port = static_cast<unsigned short>(line.number("port", 0, 0, 65535));
  options.api_family = api_family_from(line);
  const bool open_browser = !line.flag("no-browser");

  const auto store = open_state_store(state_file);
  const auto connected = auth::connect_oauth(*store, Clock::system(), options, [&](const std::string& url) {
    std::cout << "Open this address in a browser and approve hubrules:\n  " << url << "\nwaiting for HubSpot…"
              << std::endl;
    if (open_browser) try_open_browser(url);
  });
  std::cout << "connected to portal " << connected.portal_id << " (connection " << connected.connection_id << ")\n";
  std::cout << "scopes: " << (connected.scopes.empty() ? "(HubSpot did not say)" : connected.scopes) << "\n";
  if (connected.repaired)
    std::cout << "the connection was broken and is repaired: `hubrules sync` delivers its parked bookings\n";
  return 0;
}

int connect_with_token(const CommandLine& line, const std::string& state_file, const std::string& token) {
  auth::PrivateAppConnectOptions options;
  options.token = token;
  options.hubspot_url = line.value("hubspot-url").value_or(options.hubspot_url);
  options.api_family = api_family_from(line);
  const auto store = open_state_store(state_file);
  const auto connected = auth::connect_private_app(*store, Clock::system(), options);
  std::cout << "connected with the private-app token (connection " << connected.connection_id << ")\n";
  if (connected.repaired)
    std::cout << "the connection was broken and is repaired: `hubrules sync` delivers its parked bookings\n";
  return 0;
}

}  // namespace

int run_connect(const Args& args) {
  const CommandLine line(args,
                         {"client-id", "client-secret", "client-secret-file", "port", "hubspot-url", "authorize-url", "state", "admin-email",
                          "scopes", "token", "token-file", "hubspot-api"},
                         {"no-browser"});
  if (!line.positionals().empty()) throw UsageError("unexpected argument `" + line.positionals().front() + "`");
  const std::string state_file = state_file_from(line);
  if (line.value("client-id")) {
    if (line.value("token") || line.value("token-file"))
      throw UsageError("--token/--token-file and --client-id exclude each other");
    return connect_with_oauth(line, state_file);
  }
  if (line.value("client-secret") || line.value("client-secret-file"))
    throw UsageError("--client-secret/--client-secret-file need --client-id");
  const std::string token = private_app_token_from(line);
  if (token.empty())
    throw UsageError("connect needs --client-id and --client-secret (an OAuth app), or HUBSPOT_TOKEN or "
                     "--token-file (a private app)");
  return connect_with_token(line, state_file, token);
}

}  // namespace hubrules::runtime
