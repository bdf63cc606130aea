#include "runtime/auth/connect.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <stdexcept>

#include "runtime/http/form_encoding.hpp"
#include "runtime/auth/loopback_redirect.hpp"
#include "runtime/auth/pkce.hpp"
#include "runtime/hubspot/oauth_client.hpp"
#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/http/http_client.hpp"

namespace hubrules::runtime::auth {

namespace {

// The CSRF state: unguessable, so only the browser we sent can complete this connect.
std::string random_state() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for the OAuth state");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool is_loopback_host(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

std::unique_ptr<http::HttpClient> client_for(const std::string& base_url, const std::vector<std::string>& extra_ca_pem) {
  http::HttpClientOptions options;
  options.base_url = base_url;
  options.extra_ca_pem = extra_ca_pem;
  return std::make_unique<http::HttpClient>(std::move(options));
}

std::string joined(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

// The portal and scopes of a fresh grant: 2026-03 answers carry them; the legacy family needs
// one more call.
hubspot::TokenInfo token_info_of(hubspot::OAuthClient& oauth, const hubspot::TokenGrant& grant) {
  if (grant.hub_id > 0) return {grant.hub_id, "", grant.scopes};
  if (oauth.paths().family() == hubspot::ApiFamily::v2026_03)
    throw hubspot::OAuthError("exchanging the authorization code: HubSpot's answer lacks hub_id", 200, "");
  return oauth.token_info(grant.access_token);
}

Connection connection_from(const ConnectOptions& options, const hubspot::TokenGrant& grant, const hubspot::TokenInfo& info,
                           const std::optional<Connection>& existing, TimePoint now) {
  Connection c;
  c.id = "portal-" + std::to_string(info.hub_id);
  c.portal_id = info.hub_id;
  c.auth = AuthKind::oauth;
  c.access_token = grant.access_token;
  c.refresh_token = grant.refresh_token;
  c.access_expires_at = now + grant.expires_in;
  c.status = ConnectionStatus::ok;
  // A fresh consent is as good as a post: the 180 days start again.
  c.last_successful_post_at = now;
  c.admin_email = options.admin_email.empty() && existing ? existing->admin_email : options.admin_email;
  c.client_id = options.client_id;
  c.client_secret = options.client_secret;
  c.api_base_url = normalized_base_url(options.hubspot_url);
  c.scopes = joined(info.scopes);
  c.connected_at = now;
  return c;
}

std::string only_oauth_connection(StateStore& store) {
  std::vector<std::string> ids;
  for (const auto& c : store.connections())
    if (c.auth == AuthKind::oauth) ids.push_back(c.id);
  if (ids.empty()) throw NoConnection("no OAuth connection in the state store: nothing to disconnect");
  if (ids.size() > 1) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    throw NoConnection("several connections (" + list + "): pass --connection ID");
  }
  return ids.front();
}

}  // namespace

std::string default_authorize_url(const std::string& hubspot_url) {
  if (is_loopback_host(http::BaseUrl::parse(hubspot_url).host))
    return normalized_base_url(hubspot_url) + hubspot::ApiPaths::oauth_authorize();
  return std::string(hubspot::ApiPaths::web_app_url()) + hubspot::ApiPaths::oauth_authorize();
}

std::string build_authorize_url(const std::string& authorize_base, const std::string& client_id,
                                const std::string& scopes, const std::string& redirect_uri, const std::string& state,
                                const std::string& code_challenge) {
  const char separator = authorize_base.find('?') == std::string::npos ? '?' : '&';
  std::vector<std::pair<std::string, std::string>> query = {
      {"client_id", client_id}, {"scope", scopes}, {"redirect_uri", redirect_uri}, {"state", state}};
  if (!code_challenge.empty()) {
    query.emplace_back("code_challenge", code_challenge);
    query.emplace_back("code_challenge_method", "S256");
  }
  return authorize_base + separator + http::form_body(query);
}

Connected connect_oauth(StateStore& store, Clock& clock, const ConnectOptions& options,
                        const AuthorizeUrlHandler& on_authorize_url) {
  const std::string state = random_state();
  const std::string verifier = make_code_verifier();
  LoopbackRedirect redirect(state, options.port);
  const std::string authorize_base =
      options.authorize_url.empty() ? default_authorize_url(options.hubspot_url) : options.authorize_url;
  on_authorize_url(build_authorize_url(authorize_base, options.client_id, options.scopes, redirect.redirect_uri(), state,
                                       code_challenge_s256(verifier)));
  const std::string code = redirect.wait_for_code(options.wait_for_redirect);
  return finish_oauth(store, clock, options, code, verifier, redirect.redirect_uri());
}

Connected finish_oauth(StateStore& store, Clock& clock, const ConnectOptions& options, const std::string& code,
                       const std::string& verifier, const std::string& redirect_uri) {
  const auto http = client_for(options.hubspot_url, options.extra_ca_pem);
  hubspot::OAuthClient oauth(*http, hubspot::ApiPaths(options.api_family));
  const hubspot::TokenGrant grant = oauth.exchange_code({options.client_id, options.client_secret, redirect_uri}, code, verifier);
  const hubspot::TokenInfo info = token_info_of(oauth, grant);

  Connected result;
  store.transaction([&](StateStore& tx) {
    const std::string id = "portal-" + std::to_string(info.hub_id);
    const auto existing = tx.connection(id);
    tx.save_connection(connection_from(options, grant, info, existing, clock.now()));
    result = {id, info.hub_id, existing && existing->status == ConnectionStatus::broken, joined(info.scopes)};
  });
  spdlog::info("connect: connection {} saved (portal {})", result.connection_id, result.portal_id);
  return result;
}

Connected connect_private_app(StateStore& store, Clock& clock, const PrivateAppConnectOptions& options) {
  const auto http = client_for(options.hubspot_url, options.extra_ca_pem);
  // The cheapest call a private app with the product's scopes may make (crm.schemas.contacts.read).
  http::HttpRequest request;
  request.target = hubspot::ApiPaths(options.api_family).properties(ObjectType::contact);
  request.headers = {{"Authorization", "Bearer " + options.token}, {"Accept", "application/json"}};
  const auto response = http->send(request);
  if (response.status == 401 || response.status == 403)
    throw std::runtime_error("HubSpot rejected the private-app token (" + std::to_string(response.status) +
                             "): check it and its scopes in the private app's settings");
  if (response.status != 200)
    throw std::runtime_error("checking the private-app token: HubSpot answered " + std::to_string(response.status));

  Connected result;
  store.transaction([&](StateStore& tx) {
    const std::string id = private_app_connection_id(options.token);
    const auto existing = tx.connection(id);
    ensure_private_app_connection(tx, clock, options.token);
    tx.mark_ok(id);
    tx.record_successful_post(id, clock.now());
    result = {id, 0, existing && existing->status == ConnectionStatus::broken, ""};
  });
  return result;
}

Disconnected disconnect(StateStore& store, const std::string& connection_id,
                        const std::vector<std::string>& extra_ca_pem, hubspot::ApiFamily api_family) {
  Disconnected result;
  result.connection_id = connection_id.empty() ? only_oauth_connection(store) : connection_id;
  const auto connection = store.connection(result.connection_id);
  if (!connection) throw NoConnection("no connection `" + result.connection_id + "` in the state store");
  if (connection->auth == AuthKind::private_app) {
    result.note = "a private app's token is not stored here: delete or rotate it in HubSpot's private app settings";
  } else if (connection->refresh_token.empty()) {
    result.note = "no refresh token stored (already disconnected)";
  } else {
    try {
      const auto http = client_for(connection->api_base_url, extra_ca_pem);
      hubspot::OAuthClient(*http, hubspot::ApiPaths(api_family))
          .revoke({connection->client_id, connection->client_secret, ""}, connection->refresh_token);
      result.revoked = true;
    } catch (const std::exception& e) {
      // The messages of OAuthClient and HttpClient carry no token.
      result.revoke_error = e.what();
    }
  }
  store.forget_tokens(result.connection_id);
  return result;
}

}  // namespace hubrules::runtime::auth
