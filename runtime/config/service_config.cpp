#include "runtime/config/service_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/suggest.hpp"

namespace hubrules::runtime::config {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string_view> kTopKeys = {"listen",   "state",    "tls_cert", "tls_key",     "shutdown_timeout_s",
                                                "payload_retention_days", "retry_for_days", "lease_s", "hubspot", "smtp",
                                                "admin", "oauth", "integration"};
const std::vector<std::string_view> kAdminKeys = {"token_env", "token_file", "public_url"};
const std::vector<std::string_view> kOAuthKeys = {"client_id", "client_secret_env", "client_secret_file", "authorize_url"};
const std::vector<std::string_view> kHubSpotKeys = {"url", "api", "ca_file", "burst_limit", "portal_schema"};
const std::vector<std::string_view> kSmtpKeys = {"url", "user", "password_env", "password_file", "from", "to"};
const std::vector<std::string_view> kIntegrationKeys = {
    "name",       "rules",       "connection",    "token_env",         "token_file",
    "secret_env", "secret_file", "team_url_path", "calendar_url_path", "admin_email", "hubspot_url"};

// Keys that would hold a secret's value, and the *_env/*_file pair to name its source instead.
const std::map<std::string_view, std::string_view> kSecretKeys = {
    {"secret", "secret"},         {"webhook_secret", "secret"}, {"token", "token"},      {"access_token", "token"},
    {"api_key", "token"},         {"password", "password"},     {"smtp_password", "password"},
    {"client_secret", "client_secret"}};

constexpr std::string_view kCredentialsDirectory = "${CREDENTIALS_DIRECTORY}";

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Reads one config file's tables into a ServiceConfig, collecting every problem instead of
// stopping at the first: a user fixing a config wants the whole list at once.
class ConfigReader {
 public:
  explicit ConfigReader(const fs::path& file) : file_(file), folder_(file.parent_path()) {}

  ServiceConfig read(const toml::table& root);
  std::vector<ConfigDiagnostic> take_diagnostics() { return std::move(diagnostics_); }

  void error(const toml::source_region& where, std::string message, std::string help = "") {
    // A region is empty (line 0) for what toml++ made up rather than read, such as the root table.
    diagnostics_.push_back({file_.string(), std::max<std::size_t>(where.begin.line, 1),
                            std::max<std::size_t>(where.begin.column, 1), std::move(message), std::move(help)});
  }

 private:
  void check_keys(const toml::table& table, const std::vector<std::string_view>& known, std::string_view where);
  void refuse_secret_value(const toml::key& key, std::string_view where, std::string_view pair_prefix);

  std::optional<std::string> string_at(const toml::table& table, std::string_view key, std::string_view meaning);
  std::optional<std::int64_t> integer_at(const toml::table& table, std::string_view key, std::int64_t min, std::int64_t max);
  std::string path_at(const toml::table& table, std::string_view key);
  std::string state_at(const toml::table& root);
  std::string resolve(const toml::node& at, const std::string& value);
  SecretSource secret_at(const toml::table& table, std::string_view prefix, std::string_view where, bool required);
  const toml::table* table_at(const toml::table& root, std::string_view key);

  void read_listen(const toml::table& root, ServiceConfig& config);
  void read_tls(const toml::table& root, ServiceConfig& config);
  void read_numbers(const toml::table& root, ServiceConfig& config);
  HubSpotSection read_hubspot(const toml::table& table);
  SmtpSection read_smtp(const toml::table& table);
  AdminSection read_admin(const toml::table& table);
  OAuthSection read_oauth(const toml::table& table);
  void check_smtp_url(const toml::table& table, const std::string& url);
  void read_integrations(const toml::table& root, ServiceConfig& config);
  IntegrationConfig read_integration(const toml::table& table);
  void check_integration_name(const toml::table& table, const std::string& name);
  void check_unique_names(const toml::array& integrations);

  fs::path file_;
  fs::path folder_;
  std::vector<ConfigDiagnostic> diagnostics_;
};

void ConfigReader::check_keys(const toml::table& table, const std::vector<std::string_view>& known,
                              std::string_view where) {
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (const auto secret = kSecretKeys.find(name); secret != kSecretKeys.end()) {
      refuse_secret_value(key, where, secret->second);
      continue;
    }
    error(key.source(), "unknown key `" + std::string(name) + "` in " + std::string(where),
          engine::did_you_mean(name, known));
  }
}

void ConfigReader::refuse_secret_value(const toml::key& key, std::string_view where, std::string_view pair_prefix) {
  const std::string prefix(pair_prefix);
  // The value is never repeated: it is the secret.
  error(key.source(), "`" + std::string(key.str()) + "` in " + std::string(where) +
                          " would put a secret in the config file; it is refused",
        "name where the secret is instead: `" + prefix + "_env = \"VARIABLE\"` or `" + prefix +
            "_file = \"/path/to/file\"` (a file readable by the service only)");
}

std::optional<std::string> ConfigReader::string_at(const toml::table& table, std::string_view key,
                                                   std::string_view meaning) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* text = node->as_string()) return text->get();
  error(node->source(), "`" + std::string(key) + "` must be a string (" + std::string(meaning) + "), not " +
                            std::string(type_name(node->type())));
  return std::nullopt;
}

std::optional<std::int64_t> ConfigReader::integer_at(const toml::table& table, std::string_view key,
                                                     std::int64_t min, std::int64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const auto* number = node->as_integer();
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (number == nullptr) {
    error(node->source(), "`" + std::string(key) + "` must be an integer from " + range + ", not " +
                              std::string(type_name(node->type())));
    return std::nullopt;
  }
  if (number->get() < min || number->get() > max) {
    error(node->source(), "`" + std::string(key) + "` must be from " + range + ", not " + std::to_string(number->get()));
    return std::nullopt;
  }
  return number->get();
}

std::string ConfigReader::resolve(const toml::node& at, const std::string& value) {
  if (value.starts_with(kCredentialsDirectory)) {
    // systemd sets it for a unit with LoadCredential=; the files live under /run/credentials.
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr) {
      error(at.source(), "`${CREDENTIALS_DIRECTORY}` is used but the variable is not set",
            "systemd sets it for a service with LoadCredential= (docs/deploy/README.md); outside systemd, "
            "write the file's path");
      return value;
    }
    return std::string(directory) + value.substr(kCredentialsDirectory.size());
  }
  const fs::path path(value);
  return path.is_absolute() ? value : (folder_ / path).lexically_normal().string();
}

std::string ConfigReader::path_at(const toml::table& table, std::string_view key) {
  const auto value = string_at(table, key, "a file's path");
  if (!value) return "";
  if (value->empty()) {
    error(table.get(key)->source(), "`" + std::string(key) + "` is empty");
    return "";
  }
  return resolve(*table.get(key), *value);
}

// A file, or a PostgreSQL URL shared by several workers (kept as written).
std::string ConfigReader::state_at(const toml::table& root) {
  const auto value = string_at(root, "state", "a file's path or a postgresql:// URL");
  if (!value || !(value->starts_with("postgresql://") || value->starts_with("postgres://"))) return path_at(root, "state");
  return *value;
}

SecretSource ConfigReader::secret_at(const toml::table& table, std::string_view prefix, std::string_view where,
                                     bool required) {
  const std::string env_key = std::string(prefix) + "_env";
  const std::string file_key = std::string(prefix) + "_file";
  SecretSource source;
  source.env = string_at(table, env_key, "an environment variable's name").value_or("");
  source.file = path_at(table, file_key);
  if (table.contains(env_key) && table.contains(file_key))
    error(table.get(file_key)->source(), std::string(where) + " names both `" + env_key + "` and `" + file_key + "`",
          "keep one: the secret is read from the variable or from the file");
  else if (required && !table.contains(env_key) && !table.contains(file_key))
    error(table.source(), std::string(where) + " has no `" + env_key + "` or `" + file_key + "`",
          "name the environment variable or the file that holds it, e.g. `" + file_key +
              " = \"/etc/hubrules/secret\"`");
  return source;
}

const toml::table* ConfigReader::table_at(const toml::table& root, std::string_view key) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return nullptr;
  if (const auto* table = node->as_table()) return table;
  error(node->source(), "`" + std::string(key) + "` must be a table ([" + std::string(key) + "]), not " +
                            std::string(type_name(node->type())));
  return nullptr;
}

void ConfigReader::read_listen(const toml::table& root, ServiceConfig& config) {
  const auto listen = string_at(root, "listen", "HOST:PORT");
  if (!listen) return;
  try {
    const auto address = parse_listen_address(*listen);
    config.listen_host = address.host;
    config.listen_port = address.port;
  } catch (const std::invalid_argument& e) {
    error(root.get("listen")->source(), e.what(), "write HOST:PORT, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"");
  }
}

void ConfigReader::read_tls(const toml::table& root, ServiceConfig& config) {
  config.tls_cert = path_at(root, "tls_cert");
  config.tls_key = path_at(root, "tls_key");
  const bool cert = root.contains("tls_cert");
  const bool key = root.contains("tls_key");
  if (cert == key) return;
  const char* given = cert ? "tls_cert" : "tls_key";
  const char* missing = cert ? "tls_key" : "tls_cert";
  error(root.get(given)->source(), std::string("`") + given + "` without `" + missing + "`",
        "give both (the certificate chain and its private key), or neither to serve plain HTTP behind a proxy");
}

void ConfigReader::read_numbers(const toml::table& root, ServiceConfig& config) {
  config.shutdown_timeout_s =
      static_cast<int>(integer_at(root, "shutdown_timeout_s", 1, 3600).value_or(config.shutdown_timeout_s));
  config.payload_retention_days =
      static_cast<int>(integer_at(root, "payload_retention_days", 1, 3650).value_or(config.payload_retention_days));
  config.retry_for_days = static_cast<int>(integer_at(root, "retry_for_days", 0, 365).value_or(config.retry_for_days));
  config.lease_s = static_cast<int>(integer_at(root, "lease_s", 1, 3600).value_or(config.lease_s));
}

HubSpotSection ConfigReader::read_hubspot(const toml::table& table) {
  check_keys(table, kHubSpotKeys, "[hubspot]");
  HubSpotSection hubspot;
  if (auto url = string_at(table, "url", "https://api.hubapi.com or a sandbox")) {
    if (url->starts_with("https://") || url->starts_with("http://"))
      hubspot.url = *url;
    else
      error(table.get("url")->source(), "[hubspot] `url` must start with https:// or http://");
  }
  if (auto api = string_at(table, "api", "2026-03 or v3")) {
    if (*api == "2026-03" || *api == "v3")
      hubspot.api = *api;
    else
      error(table.get("api")->source(), "[hubspot] `api` must be \"2026-03\" or \"v3\", not \"" + *api + "\"",
            "2026-03 is HubSpot's current API family; v3 its legacy paths, until HubSpot turns them off");
  }
  hubspot.ca_file = path_at(table, "ca_file");
  if (auto limit = integer_at(table, "burst_limit", 1, 10'000)) hubspot.burst_limit = static_cast<std::size_t>(*limit);
  if (const toml::node* check = table.get("portal_schema")) {
    if (const auto* flag = check->as_boolean()) hubspot.portal_schema = flag->get();
    else error(check->source(), "[hubspot] `portal_schema` must be true or false");
  }
  return hubspot;
}

// The userinfo of scheme://userinfo@host…, or empty.
std::string_view url_userinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : authority.substr(0, at);
}

void ConfigReader::check_smtp_url(const toml::table& table, const std::string& url) {
  const toml::node& at = *table.get("url");
  if (!url.starts_with("smtp://") && !url.starts_with("smtps://"))
    error(at.source(), "[smtp] `url` must start with smtp:// or smtps://");
  // The URL is not repeated in the message: it holds the password.
  if (url_userinfo(url).find(':') != std::string_view::npos)
    error(at.source(), "[smtp] `url` holds a password; it is refused",
          "write smtp://host:port, the user as `user = \"…\"`, and the password in a file (`password_file`) or "
          "an environment variable (`password_env`)");
}

SmtpSection ConfigReader::read_smtp(const toml::table& table) {
  check_keys(table, kSmtpKeys, "[smtp]");
  SmtpSection smtp;
  if (auto url = string_at(table, "url", "smtp://host:port or smtps://host:port")) {
    check_smtp_url(table, *url);
    smtp.url = *url;
  } else if (!table.contains("url")) {
    error(table.source(), "[smtp] has no `url`", "e.g. url = \"smtp://mail.example.com:587\"");
  }
  smtp.user = string_at(table, "user", "the SMTP user name").value_or("");
  smtp.password = secret_at(table, "password", "[smtp]", false);
  if (!smtp.password.empty() && smtp.user.empty() && url_userinfo(smtp.url).empty())
    error(table.source(), "[smtp] has a password but no `user`", "add user = \"…\" (the SMTP login)");
  smtp.from = string_at(table, "from", "the sender's address").value_or(smtp.from);
  if (const toml::node* to = table.get("to")) {
    if (const auto* one = to->as_string()) {
      smtp.to.push_back(one->get());
    } else if (const auto* many = to->as_array(); many && many->is_homogeneous(toml::node_type::string)) {
      for (const auto& address : *many) smtp.to.push_back(address.as_string()->get());
    } else {
      error(to->source(), "[smtp] `to` must be an address or an array of addresses");
    }
  }
  return smtp;
}

AdminSection ConfigReader::read_admin(const toml::table& table) {
  check_keys(table, kAdminKeys, "[admin]");
  AdminSection admin;
  admin.token = secret_at(table, "token", "[admin]", true);
  admin.public_url = string_at(table, "public_url", "where browsers reach the service, e.g. https://hubrules.example.com")
                         .value_or("");
  if (!admin.public_url.empty() && !admin.public_url.starts_with("https://") && !admin.public_url.starts_with("http://"))
    error(table.get("public_url")->source(), "[admin] `public_url` must start with https:// (or http:// on a loopback address)");
  return admin;
}

OAuthSection ConfigReader::read_oauth(const toml::table& table) {
  check_keys(table, kOAuthKeys, "[oauth]");
  OAuthSection oauth;
  oauth.client_id = string_at(table, "client_id", "the HubSpot app's client id").value_or("");
  if (!table.contains("client_id")) error(table.source(), "[oauth] has no `client_id`", "copy it from the HubSpot app's Auth settings");
  oauth.client_secret = secret_at(table, "client_secret", "[oauth]", true);
  oauth.authorize_url = string_at(table, "authorize_url", "HubSpot's authorize page").value_or("");
  return oauth;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

void ConfigReader::check_integration_name(const toml::table& table, const std::string& name) {
  if (!name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), is_name_char)) return;
  error(table.get("name")->source(), "integration name \"" + name + "\" is not made of a-z, 0-9, _ and - (at most 64)",
        "the name is the webhook's path: /webhooks/timerex/NAME");
}

IntegrationConfig ConfigReader::read_integration(const toml::table& table) {
  check_keys(table, kIntegrationKeys, "[[integration]]");
  IntegrationConfig integration;
  if (auto name = string_at(table, "name", "[a-z0-9_-]+")) {
    check_integration_name(table, *name);
    integration.name = *name;
  } else if (!table.contains("name")) {
    error(table.source(), "[[integration]] has no `name`", "e.g. name = \"sales\": its webhooks then arrive at /webhooks/timerex/sales");
  }
  const std::string where = integration.name.empty() ? "[[integration]]" : "integration `" + integration.name + "`";
  integration.rules = path_at(table, "rules");
  if (!table.contains("rules"))
    error(table.source(), where + " has no `rules`", "name its rule file, e.g. rules = \"rules/sales.rules\"");
  else if (!integration.rules.empty() && !fs::exists(integration.rules))
    error(table.get("rules")->source(), "rule file " + integration.rules.string() + " does not exist",
          "a relative path is read from the config file's folder");
  integration.connection = string_at(table, "connection", "a stored connection's id").value_or("");
  integration.token = secret_at(table, "token", where, false);
  if (table.contains("connection") && !integration.token.empty())
    error(table.get("connection")->source(), where + " names both a `connection` and a private app's token",
          "keep `connection` for a stored `hubrules connect` connection, or the token_env/token_file, not both");
  integration.secret = secret_at(table, "secret", where, true);
  integration.team_url_path = string_at(table, "team_url_path", "a TimeRex team's URL path").value_or("");
  integration.calendar_url_path = string_at(table, "calendar_url_path", "a TimeRex calendar's URL path").value_or("");
  integration.admin_email = string_at(table, "admin_email", "an email address").value_or("");
  integration.hubspot_url = string_at(table, "hubspot_url", "the portal's HubSpot API, e.g. https://api-eu1.hubapi.com").value_or("");
  return integration;
}

void ConfigReader::check_unique_names(const toml::array& integrations) {
  std::set<std::string> seen;
  for (const auto& node : integrations) {
    const auto* table = node.as_table();
    const toml::node* name = table ? table->get("name") : nullptr;
    if (name == nullptr || !name->is_string()) continue;
    if (!seen.insert(name->as_string()->get()).second)
      error(name->source(), "integration name \"" + name->as_string()->get() + "\" is used twice",
            "each integration needs its own name: it is its webhook's path");
  }
}

void ConfigReader::read_integrations(const toml::table& root, ServiceConfig& config) {
  const toml::node* node = root.get("integration");
  if (node == nullptr) {
    error(root.source(), "no [[integration]]", "add one: name, rules, connection or token, and the webhook secret");
    return;
  }
  const auto* integrations = node->as_array();
  if (integrations == nullptr || !integrations->is_array_of_tables()) {
    error(node->source(), "`integration` must be an array of tables, written [[integration]]");
    return;
  }
  for (const auto& table : *integrations) config.integrations.push_back(read_integration(*table.as_table()));
  check_unique_names(*integrations);
}

ServiceConfig ConfigReader::read(const toml::table& root) {
  ServiceConfig config;
  config.file = file_;
  check_keys(root, kTopKeys, "the config");
  read_listen(root, config);
  config.state = root.contains("state") ? state_at(root) : resolve(root, "hubrules-state.db");
  read_tls(root, config);
  read_numbers(root, config);
  if (const auto* hubspot = table_at(root, "hubspot")) config.hubspot = read_hubspot(*hubspot);
  if (const auto* smtp = table_at(root, "smtp")) config.smtp = read_smtp(*smtp);
  if (const auto* admin = table_at(root, "admin")) config.admin = read_admin(*admin);
  if (const auto* oauth = table_at(root, "oauth")) config.oauth = read_oauth(*oauth);
  read_integrations(root, config);
  return config;
}

ConfigDiagnostic from_parse_error(const toml::parse_error& e, const fs::path& file) {
  const auto& where = e.source().begin;
  return {file.string(), std::max<std::size_t>(where.line, 1), std::max<std::size_t>(where.column, 1),
          std::string(e.description()), "the file is not valid TOML (https://toml.io)"};
}

std::string render_all(const std::vector<ConfigDiagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) text += d.render();
  return text;
}

}  // namespace

std::string ConfigDiagnostic::render() const {
  std::string text = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message + "\n";
  if (!help.empty()) text += "   = help: " + help + "\n";
  return text;
}

ConfigError::ConfigError(std::vector<ConfigDiagnostic> diagnostics)
    : std::runtime_error(render_all(diagnostics)), diagnostics_(std::move(diagnostics)) {}

ServiceConfig parse_service_config(std::string_view text, const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError({from_parse_error(e, file)});
  }
  ConfigReader reader(file);
  ServiceConfig config = reader.read(root);
  auto diagnostics = reader.take_diagnostics();
  if (diagnostics.empty()) return config;
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  throw ConfigError(std::move(diagnostics));
}

ServiceConfig load_service_config(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({{file.string(), 1, 1, "cannot read the config file", "check its path and permissions"}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_service_config(text.str(), file);
}

namespace {

unsigned short parse_port(std::string_view text, std::string_view address) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port > 65535)
    throw std::invalid_argument("listen address \"" + std::string(address) + "\": the port must be a number from 0 to 65535");
  return static_cast<unsigned short>(port);
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return std::invalid_argument("listen address \"" + std::string(text) + "\": " + std::string(why));
  };
  ListenAddress address;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw invalid("write an IPv6 address as [ADDRESS]:PORT");
    address.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw invalid("no port (HOST:PORT)");
    address.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) throw invalid("write an IPv6 address in brackets, [ADDRESS]:PORT");
  }
  if (address.host.empty()) throw invalid("no host (0.0.0.0 listens on every IPv4 interface, [::] on every one)");
  if (address.host.find_first_of(" \t/") != std::string::npos) throw invalid("the host holds a space or a slash");
  address.port = parse_port(port, text);
  return address;
}

}  // namespace hubrules::runtime::config
