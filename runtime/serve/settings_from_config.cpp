#include "runtime/serve/settings_from_config.hpp"

#include "runtime/config/secret_source.hpp"
#include "runtime/config/service_config.hpp"
#include "runtime/mapping/rules_loader.hpp"

#include <cstdlib>

namespace hubrules::runtime::serve {

namespace {

std::vector<std::string> read_ca(const std::string& file) {
  if (file.empty()) return {};
  auto text = read_text_file(file);
  if (!text) throw std::runtime_error("cannot read the certificate authority file " + file);
  return std::vector<std::string>{*text};
}

}  // namespace

std::string admin_token(const config::SecretSource& source) {
  std::string token;
  if (!source.empty()) token = config::read_secret(source, "the admin token");
  else if (const char* env = std::getenv("HUBRULES_ADMIN_TOKEN"); env && *env) token = env;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!token.empty() && token.size() < admin::kMinAdminTokenLength)
    throw std::runtime_error("the admin token is shorter than " + std::to_string(admin::kMinAdminTokenLength) +
                             " characters; make a long random one, e.g. `openssl rand -base64 32`");
  return token;
}

admin::AdminSettings admin_settings(const config::SecretSource& token, std::string public_url,
                                    const std::optional<OAuthApp>& oauth) {
  admin::AdminSettings a;
  a.token = admin_token(token);
  a.public_url = std::move(public_url);
  if (oauth) {
    a.oauth_client_id = oauth->client_id;
    a.oauth_client_secret = oauth->client_secret.empty() ? "" : config::read_secret(oauth->client_secret, "the OAuth app's secret");
    a.authorize_url = oauth->authorize_url;
  }
  return a;
}

ServeSettings settings_from_config(const std::filesystem::path& file) {
  const config::ServiceConfig c = config::load_service_config(file);
  ServeSettings s;
  s.http.host = c.listen_host;
  s.http.port = c.listen_port;
  s.http.tls_cert_file = c.tls_cert;
  s.http.tls_key_file = c.tls_key;
  s.state_file = c.state;
  s.hubspot_url = c.hubspot.url;
  s.api_family = hubspot::parse_api_family(c.hubspot.api).value_or(hubspot::ApiFamily::v2026_03);
  s.extra_ca_pem = read_ca(c.hubspot.ca_file);
  s.burst_limit = c.hubspot.burst_limit;
  s.shutdown_timeout = Millis(1000L * c.shutdown_timeout_s);
  s.payload_retention_days = c.payload_retention_days;
  s.retry_for_days = c.retry_for_days;
  s.lease.duration = Millis(1000L * c.lease_s);
  s.lease.renew_every = s.lease.duration / 5;
  s.check_portal_schema = c.hubspot.portal_schema;
  if (c.smtp) {
    s.notifier.smtp_url = c.smtp->url;
    s.notifier.from = c.smtp->from;
    s.notifier.to = c.smtp->to;
    s.notifier.smtp_user = c.smtp->user;
    if (!c.smtp->password.empty()) s.notifier.smtp_password = config::read_secret(c.smtp->password, "the SMTP password");
  }
  std::optional<OAuthApp> oauth;
  if (c.oauth) oauth = OAuthApp{c.oauth->client_id, c.oauth->client_secret, c.oauth->authorize_url};
  s.admin = admin_settings(c.admin ? c.admin->token : config::SecretSource{}, c.admin ? c.admin->public_url : "", oauth);
  for (const auto& i : c.integrations) {
    ServeIntegration integration;
    integration.name = i.name;
    integration.rules = i.rules;
    integration.connection = i.connection;
    if (!i.token.empty()) integration.token = config::read_secret(i.token, "the HubSpot token of integration `" + i.name + "`");
    integration.webhook_secrets = config::read_secrets(i.secret, "the webhook secret of integration `" + i.name + "`");
    integration.team_url_path = i.team_url_path;
    integration.calendar_url_path = i.calendar_url_path;
    integration.admin_email = i.admin_email;
    integration.hubspot_url = i.hubspot_url;
    s.integrations.push_back(std::move(integration));
  }
  return s;
}

}  // namespace hubrules::runtime::serve
