// `hubrules serve`'s config file: a full config read back, each mistake reported at its line and
// column with a help line, relative paths, and listen addresses. The golden file
// tests/golden/config/broken.toml shows every diagnostic of one broken config at once.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "runtime/config/service_config.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime::config;
using hubrules::testing::TempDir;
using hubrules::testing::read_file;
using hubrules::testing::write_file;
namespace fs = std::filesystem;

namespace {

const std::string kIntegration = R"(
[[integration]]
name = "sales"
rules = "sales.rules"
secret_env = "TIMEREX_SECRET_SALES"
)";

// A folder with the rule file the integrations name, and a config beside it.
struct ConfigDir {
  TempDir dir;
  ConfigDir() { write_file(dir.file("sales.rules").string(), "hubrules 1\n"); }
  fs::path write(const std::string& text) const {
    write_file(dir.file("hubrules.toml").string(), text);
    return dir.file("hubrules.toml");
  }
  ServiceConfig load(const std::string& text) const { return load_service_config(write(text)); }
  // The diagnostics of a config, each as "LINE:COL: MESSAGE"; empty when it loads.
  std::vector<std::string> errors(const std::string& text) const {
    try {
      load(text);
    } catch (const ConfigError& e) {
      std::vector<std::string> lines;
      for (const auto& d : e.diagnostics())
        lines.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
      return lines;
    }
    return {};
  }
  std::string what(const std::string& text) const {
    try {
      load(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST_CASE("A full service config is read back field by field", "[config]") {
  ConfigDir d;
  fs::create_directories(d.dir.file("rules"));
  write_file(d.dir.file("rules/support.rules").string(), "hubrules 1\n");
  const auto config = d.load(R"(
listen = "0.0.0.0:8443"
state = "var/state.db"
tls_cert = "cert.pem"
tls_key = "/etc/hubrules/key.pem"
shutdown_timeout_s = 10
payload_retention_days = 14
retry_for_days = 5

[hubspot]
url = "http://127.0.0.1:3000"
api = "v3"
ca_file = "extra-ca.pem"
burst_limit = 150

[smtp]
url = "smtp://mail.example.com:587"
user = "hubrules"
password_file = "smtp.password"
from = "hubrules@example.com"
to = ["ops@example.com", "sales@example.com"]
)" + kIntegration + R"(
team_url_path = "mixtend_e6ed"
calendar_url_path = "215aa110"
admin_email = "owner@example.com"
connection = "default"

[[integration]]
name = "support-2"
rules = "rules/support.rules"
token_env = "HUBSPOT_TOKEN_SUPPORT"
secret_file = "/etc/hubrules/support.secret"
)");
  const std::string folder = d.dir.path().string();
  CHECK(config.file == d.dir.file("hubrules.toml"));
  CHECK(config.listen_host == "0.0.0.0");
  CHECK(config.listen_port == 8443);
  CHECK(config.state == folder + "/var/state.db");
  CHECK(config.tls_cert == folder + "/cert.pem");
  CHECK(config.tls_key == "/etc/hubrules/key.pem");
  CHECK(config.shutdown_timeout_s == 10);
  CHECK(config.payload_retention_days == 14);
  CHECK(config.retry_for_days == 5);
  CHECK(config.hubspot.url == "http://127.0.0.1:3000");
  CHECK(config.hubspot.api == "v3");
  CHECK(config.hubspot.ca_file == folder + "/extra-ca.pem");
  CHECK(config.hubspot.burst_limit == 150u);
  REQUIRE(config.smtp);
  CHECK(config.smtp->url == "smtp://mail.example.com:587");
  CHECK(config.smtp->user == "hubrules");
  CHECK(config.smtp->password.env.empty());
  CHECK(config.smtp->password.file == folder + "/smtp.password");
  CHECK(config.smtp->from == "hubrules@example.com");
  CHECK(config.smtp->to == std::vector<std::string>{"ops@example.com", "sales@example.com"});
  REQUIRE(config.integrations.size() == 2);
  const auto& sales = config.integrations[0];
  CHECK(sales.name == "sales");
  CHECK(sales.rules == d.dir.file("sales.rules"));
  CHECK(sales.connection == "default");
  CHECK(sales.token.empty());
  CHECK(sales.secret.env == "TIMEREX_SECRET_SALES");
  CHECK(sales.secret.file.empty());
  CHECK(sales.team_url_path == "mixtend_e6ed");
  CHECK(sales.calendar_url_path == "215aa110");
  CHECK(sales.admin_email == "owner@example.com");
  const auto& support = config.integrations[1];
  CHECK(support.rules == d.dir.file("rules/support.rules"));
  CHECK(support.connection.empty());
  CHECK(support.token.env == "HUBSPOT_TOKEN_SUPPORT");
  CHECK(support.secret.file == "/etc/hubrules/support.secret");
}

TEST_CASE("A minimal config takes the defaults", "[config]") {
  ConfigDir d;
  const auto config = d.load(kIntegration);
  CHECK(config.listen_host == "127.0.0.1");
  CHECK(config.listen_port == 8080);
  CHECK(config.state == d.dir.file("hubrules-state.db").string());
  CHECK(config.tls_cert.empty());
  CHECK(config.shutdown_timeout_s == 30);
  CHECK(config.payload_retention_days == 30);
  CHECK(config.retry_for_days == 3);
  CHECK(config.hubspot.url == "https://api.hubapi.com");
  CHECK(config.hubspot.api == "2026-03");
  CHECK_FALSE(config.hubspot.burst_limit);
  CHECK_FALSE(config.smtp);
}

TEST_CASE("Config paths: relative to the config's folder, ${CREDENTIALS_DIRECTORY} from systemd", "[config]") {
  ConfigDir d;
  fs::create_directories(d.dir.file("etc"));
  write_file(d.dir.file("etc/sales.rules").string(), "hubrules 1\n");
  const auto path = d.dir.file("etc/hubrules.toml");
  write_file(path.string(), "state = \"../var/state.db\"\n[[integration]]\nname = \"sales\"\nrules = \"sales.rules\"\n"
                            "secret_file = \"${CREDENTIALS_DIRECTORY}/sales.secret\"\n");
  ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/hubrules.service", 1);
  const auto config = load_service_config(path);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  CHECK(config.state == d.dir.file("var/state.db").string());
  CHECK(config.integrations[0].rules == d.dir.file("etc/sales.rules"));
  CHECK(config.integrations[0].secret.file == "/run/credentials/hubrules.service/sales.secret");
  try {
    load_service_config(path);
    FAIL("loaded without CREDENTIALS_DIRECTORY");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains(":5:15: error: `${CREDENTIALS_DIRECTORY}` is used but the variable is not set"));
  }
}

TEST_CASE("Config errors: unknown keys with a suggestion, wrong types, bad values", "[config]") {
  ConfigDir d;
  CHECK(d.errors("listn = \"127.0.0.1:80\"\n" + kIntegration) ==
        std::vector<std::string>{"1:1: unknown key `listn` in the config"});
  CHECK_THAT(d.what("listn = \"127.0.0.1:80\"\n" + kIntegration), Catch::Contains("= help: did you mean `listen`?"));
  CHECK(d.errors("listen = 8080\n" + kIntegration) ==
        std::vector<std::string>{"1:10: `listen` must be a string (HOST:PORT), not an integer"});
  CHECK(d.errors("listen = \"localhost\"\n" + kIntegration) ==
        std::vector<std::string>{"1:10: listen address \"localhost\": no port (HOST:PORT)"});
  CHECK(d.errors("retry_for_days = -1\n" + kIntegration) ==
        std::vector<std::string>{"1:18: `retry_for_days` must be from 0 to 365, not -1"});
  CHECK(d.errors("[hubspot]\napi = \"v4\"\n" + kIntegration) ==
        std::vector<std::string>{"2:7: [hubspot] `api` must be \"2026-03\" or \"v3\", not \"v4\""});
  CHECK(d.errors("[hubspot]\nburst_limt = 5\n" + kIntegration) ==
        std::vector<std::string>{"2:1: unknown key `burst_limt` in [hubspot]"});
  CHECK(d.errors("hubspot = 1\n" + kIntegration) ==
        std::vector<std::string>{"1:11: `hubspot` must be a table ([hubspot]), not an integer"});
}

TEST_CASE("Config errors: TLS halves, integrations, secrets and tokens", "[config]") {
  ConfigDir d;
  CHECK(d.errors("tls_cert = \"c.pem\"\n" + kIntegration) ==
        std::vector<std::string>{"1:12: `tls_cert` without `tls_key`"});
  CHECK(d.errors("") == std::vector<std::string>{"1:1: no [[integration]]"});
  CHECK(d.errors(kIntegration + kIntegration) ==
        std::vector<std::string>{"8:8: integration name \"sales\" is used twice"});
  CHECK(d.errors("[[integration]]\nname = \"Sales Team\"\nrules = \"sales.rules\"\nsecret_env = \"S\"\n") ==
        std::vector<std::string>{"2:8: integration name \"Sales Team\" is not made of a-z, 0-9, _ and - (at most 64)"});
  CHECK(d.errors("[[integration]]\nname = \"sales\"\nsecret_env = \"S\"\n") ==
        std::vector<std::string>{"1:1: integration `sales` has no `rules`"});
  CHECK(d.errors("[[integration]]\nname = \"sales\"\nrules = \"nope.rules\"\nsecret_env = \"S\"\n") ==
        std::vector<std::string>{"3:9: rule file " + d.dir.file("nope.rules").string() + " does not exist"});
  CHECK(d.errors("[[integration]]\nname = \"sales\"\nrules = \"sales.rules\"\n") ==
        std::vector<std::string>{"1:1: integration `sales` has no `secret_env` or `secret_file`"});
  CHECK(d.errors(kIntegration + "secret_file = \"s.secret\"\n") ==
        std::vector<std::string>{"6:15: integration `sales` names both `secret_env` and `secret_file`"});
  CHECK(d.errors(kIntegration + "connection = \"default\"\ntoken_env = \"T\"\n") ==
        std::vector<std::string>{"6:14: integration `sales` names both a `connection` and a private app's token"});
  CHECK(d.errors("[integration]\nname = \"sales\"\n") ==
        std::vector<std::string>{"1:1: `integration` must be an array of tables, written [[integration]]"});
}

TEST_CASE("A secret written in the config is refused without repeating it", "[config]") {
  ConfigDir d;
  const std::string text = kIntegration + "token = \"pat-na1-do-not-print\"\n[smtp]\nurl = \"smtp://mail.example.com\"\n"
                                          "password = \"hunter2-do-not-print\"\n";
  CHECK(d.errors(text) ==
        std::vector<std::string>{"6:1: `token` in [[integration]] would put a secret in the config file; it is refused",
                                 "9:1: `password` in [smtp] would put a secret in the config file; it is refused"});
  const std::string what = d.what(text);
  CHECK_THAT(what, Catch::Contains("`token_env = \"VARIABLE\"` or `token_file = \"/path/to/file\"`"));
  CHECK_THAT(what, Catch::Contains("`password_env = \"VARIABLE\"`"));
  CHECK_THAT(what, !Catch::Contains("do-not-print"));
}

TEST_CASE("An SMTP URL with a password is refused without repeating it", "[config]") {
  ConfigDir d;
  const std::string text = "[smtp]\nurl = \"smtp://hubrules:hunter2-do-not-print@mail.example.com:587\"\n" + kIntegration;
  CHECK(d.errors(text) == std::vector<std::string>{"2:7: [smtp] `url` holds a password; it is refused"});
  CHECK_THAT(d.what(text), !Catch::Contains("do-not-print") && Catch::Contains("password_file"));
  CHECK(d.errors("[smtp]\nurl = \"smtp://mail.example.com\"\npassword_env = \"P\"\n" + kIntegration) ==
        std::vector<std::string>{"1:1: [smtp] has a password but no `user`"});
  CHECK(d.errors("[smtp]\nurl = \"smtp://user@mail.example.com\"\npassword_env = \"P\"\n" + kIntegration).empty());
}

TEST_CASE("Invalid TOML is one error at its position", "[config]") {
  ConfigDir d;
  const auto errors = d.errors("listen = \"127.0.0.1:80\nstate = 1\n");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("1:"));
  CHECK_THAT(d.what("listen = = 1\n"), Catch::Contains("hubrules.toml:1:") && Catch::Contains("not valid TOML"));
  try {
    load_service_config(d.dir.file("absent.toml"));
    FAIL("an absent file loaded");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("absent.toml:1:1: error: cannot read the config file"));
  }
}

TEST_CASE("Listen addresses: host:port and [IPv6]:port", "[config]") {
  const auto v4 = parse_listen_address("127.0.0.1:0");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 0);
  const auto v6 = parse_listen_address("[::1]:8080");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 8080);
  CHECK(parse_listen_address("localhost:65535").port == 65535);
  for (const char* bad : {"127.0.0.1", ":8080", "::1:8080", "[::1]8080", "[::1", "host:65536", "host:80x", "host:",
                          "a b:80"})
    CHECK_THROWS_AS(parse_listen_address(bad), std::invalid_argument);
}

TEST_CASE("Golden: every diagnostic of one broken config", "[config][golden]") {
  const fs::path folder = fs::path(hubrules::testing::source_dir()) / "tests/golden/config";
  std::string rendered;
  try {
    load_service_config(folder / "broken.toml");
  } catch (const ConfigError& e) {
    rendered = e.what();
  }
  // Paths as the golden file shows them: relative to the source directory.
  const std::string prefix = hubrules::testing::source_dir() + "/";
  for (auto at = rendered.find(prefix); at != std::string::npos; at = rendered.find(prefix, at))
    rendered.erase(at, prefix.size());
  const auto expected_file = (folder / "broken.expected").string();
  if (const char* update = std::getenv("HUBRULES_UPDATE_GOLDEN"); update && std::string(update) == "1")
    write_file(expected_file, rendered);
  CHECK(rendered == read_file(expected_file));
  // broken.toml writes secrets where they do not belong; none may be repeated.
  CHECK_THAT(rendered, !Catch::Contains("not-in-the-output") && !Catch::Contains("written-here-by-mistake"));
}

TEST_CASE("docs/deploy/hubrules.toml is a valid config (but for its rule files, which live in /etc)", "[config][docs]") {
  ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/hubrules.service", 1);
  std::vector<std::string> messages;
  try {
    load_service_config(fs::path(hubrules::testing::source_dir()) / "docs/deploy/hubrules.toml");
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) messages.push_back(d.message);
  }
  ::unsetenv("CREDENTIALS_DIRECTORY");
  REQUIRE(messages.size() == 2);
  for (const auto& message : messages) CHECK_THAT(message, Catch::StartsWith("rule file ") && Catch::EndsWith(" does not exist"));
}

TEST_CASE("[admin] and [oauth]: secrets only by their source, a public URL, a client id", "[config][admin]") {
  ConfigDir d;
  const std::string integration = "\n[[integration]]\nname = \"sales\"\nrules = \"sales.rules\"\nsecret_env = \"S\"\n";
  const auto config = d.load("[admin]\ntoken_env = \"ADMIN\"\npublic_url = \"https://hooks.example.com\"\n"
                             "[oauth]\nclient_id = \"cid\"\nclient_secret_file = \"app.secret\"\n" + integration);
  REQUIRE(config.admin);
  CHECK(config.admin->token.env == "ADMIN");
  CHECK(config.admin->public_url == "https://hooks.example.com");
  REQUIRE(config.oauth);
  CHECK(config.oauth->client_id == "cid");
  CHECK(config.oauth->client_secret.file == d.dir.file("app.secret").string());

  CHECK(d.errors("[admin]\npublic_url = \"https://x.example\"\n" + integration) ==
        std::vector<std::string>{"1:1: [admin] has no `token_env` or `token_file`"});
  CHECK(d.errors("[admin]\ntoken_env = \"A\"\npublic_url = \"hooks.example.com\"\n" + integration) ==
        std::vector<std::string>{"3:14: [admin] `public_url` must start with https:// (or http:// on a loopback address)"});
  const auto inline_secret = d.what("[oauth]\nclient_id = \"cid\"\nclient_secret = \"written-here-by-mistake\"\n" + integration);
  CHECK_THAT(inline_secret, Catch::Contains("client_secret_env") && !Catch::Contains("written-here-by-mistake"));
  CHECK_THAT(d.what("[oauth]\nclient_secret_env = \"X\"\n" + integration), Catch::Contains("[oauth] has no `client_id`"));
  CHECK_THAT(d.what("[admin]\ntoken_env = \"A\"\nuser = \"x\"\n" + integration), Catch::Contains("user"));
}
