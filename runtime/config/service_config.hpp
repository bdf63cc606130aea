#pragma once
// The configuration of `hubrules serve`: one TOML file naming where to listen, the state store,
// HubSpot, the error email and the integrations (each a webhook path, its rules, its connection
// and its webhook secret). Only the *sources* of secrets are kept here; the caller reads them with
// read_secrets() when it needs them, so a reload (SIGHUP) picks up a rotated secret.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config/secret_source.hpp"

namespace hubrules::runtime::config {

struct HubSpotSection {
  std::string url = "https://api.hubapi.com";
  std::string api = "2026-03";  // or "v3", the legacy paths
  std::string ca_file;          // an extra certificate authority (PEM); empty: the system's only
  std::optional<std::size_t> burst_limit;  // a ceiling; absent: the portal's own limit, learned
  bool portal_schema = true;  // rules checked against each portal's own properties at start
};

struct SmtpSection {
  std::string url;  // smtp://host[:port][?starttls=…] or smtps://…, never with a password
  std::string user;
  SecretSource password;  // empty: no AUTH
  std::string from = "hubrules@localhost";
  std::vector<std::string> to;  // besides each integration's admin_email
};

struct IntegrationConfig {
  std::string name;  // [a-z0-9_-]+, unique; its webhooks arrive at /webhooks/timerex/{name}
  std::filesystem::path rules;
  std::string connection;  // a stored `hubrules connect` connection; empty with a token or the store's only one
  SecretSource token;      // a private app's token instead of a stored connection
  SecretSource secret;     // the TimeRex webhook secret(s)
  std::string team_url_path;      // optional: only webhooks of this TimeRex team…
  std::string calendar_url_path;  // …and/or of this calendar
  std::string admin_email;        // who gets the error email
  std::string hubspot_url;        // the portal's own API host (an EU portal's); empty: [hubspot] url
};

// /admin, the administrators' page: on when it has a token.
struct AdminSection {
  SecretSource token;      // token_env / token_file; at least 16 characters
  std::string public_url;  // where browsers reach the service (the OAuth redirect and webhook URLs)
};

// The HubSpot app that the admin page's Connect signs in with.
struct OAuthSection {
  std::string client_id;
  SecretSource client_secret;  // client_secret_env / client_secret_file
  std::string authorize_url;   // empty: HubSpot's (or the sandbox's for a loopback [hubspot] url)
};

struct ServiceConfig {
  std::filesystem::path file;  // the config file itself, as given
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::string state;  // resolved against the config file's folder
  std::string tls_cert, tls_key;  // both or neither; empty: plain HTTP (behind a proxy)
  int shutdown_timeout_s = 30;
  int payload_retention_days = 30;
  int retry_for_days = 3;
  int lease_s = 15;  // a portal's delivery lease: how soon a dead worker's portals move on
  HubSpotSection hubspot;
  std::optional<SmtpSection> smtp;  // absent: error emails go to the outbox beside the state
  std::optional<AdminSection> admin;  // absent: /admin is off (unless HUBRULES_ADMIN_TOKEN is set)
  std::optional<OAuthSection> oauth;
  std::vector<IntegrationConfig> integrations;
};

// One problem in a config file, at a position (1-based line and column).
struct ConfigDiagnostic {
  std::string file;
  std::size_t line = 1;
  std::size_t column = 1;
  std::string message;
  std::string help;  // empty: no help line

  // "FILE:LINE:COL: error: MESSAGE" and, with help, a second line "   = help: HELP".
  std::string render() const;
};

// Every problem found in a config file, in the order of their positions; what() is them all,
// rendered, one after the other. No message ever holds a secret's value.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigDiagnostic> diagnostics);
  const std::vector<ConfigDiagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<ConfigDiagnostic> diagnostics_;
};

// Reads and checks the file. Relative paths in it (state, tls_cert, tls_key, ca_file, rules, the
// *_file secrets) are made relative to the file's folder; a path starting with
// `${CREDENTIALS_DIRECTORY}` takes that variable from the environment (systemd's LoadCredential=).
// Throws ConfigError with every problem found, a file that cannot be read included.
ServiceConfig load_service_config(const std::filesystem::path& file);

// The same over text already read; `file` names it in diagnostics and anchors relative paths.
ServiceConfig parse_service_config(std::string_view text, const std::filesystem::path& file);

struct ListenAddress {
  std::string host;  // an IPv6 address without its brackets
  unsigned short port = 0;
};

// "127.0.0.1:8080", "localhost:0", "[::1]:8080". Throws std::invalid_argument saying what is wrong.
ListenAddress parse_listen_address(std::string_view text);

}  // namespace hubrules::runtime::config
