#include "runtime/serve/settings_from_config.hpp"

#include "runtime/config/secret_source.hpp"
#include "runtime/config/service_config.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime::serve {

namespace {

std::vector<std::string> read_ca(const std::string& file) {
  if (file.empty()) return {};
  auto text = read_text_file(file);
  if (!text) throw std::runtime_error("cannot read the certificate authority file " + file);
  return std::vector<std::string>{*text};
}

}  // namespace

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
