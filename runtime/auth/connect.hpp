#pragma once
// Connecting hubrules to a HubSpot portal and disconnecting it, callable in-process (the
// `connect` and `disconnect` commands are thin shells over these; tests drive them without a
// browser).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::auth {

// HUBSPOT-API.md, Auth: what delivery needs.
inline constexpr const char* kDefaultScopes =
    "crm.objects.contacts.read crm.objects.contacts.write crm.objects.companies.read "
    "crm.objects.companies.write crm.schemas.contacts.read crm.schemas.companies.read";

struct ConnectOptions {
  std::string client_id;
  std::string client_secret;
  std::string hubspot_url = "https://api.hubapi.com";
  std::string authorize_url;  // empty: default_authorize_url(hubspot_url)
  std::string scopes = kDefaultScopes;
  std::string admin_email;    // who hears about a broken connection; empty keeps the stored one
  unsigned short port = 0;    // the loopback redirect's; 0: any free port
  std::chrono::milliseconds wait_for_redirect = std::chrono::minutes(5);
  std::vector<std::string> extra_ca_pem;
  hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03;
};

struct Connected {
  std::string connection_id;
  std::int64_t portal_id = 0;  // 0 for a private app (its token does not tell cheaply)
  bool repaired = false;       // the connection was broken before
  std::string scopes;          // granted, space-separated (OAuth; empty when HubSpot did not say)
};

// Receives the authorize URL the admin must open (print it, start a browser, or in a test
// follow it). Runs while the loopback listener already serves.
using AuthorizeUrlHandler = std::function<void(const std::string& authorize_url)>;

// The OAuth flow: random state and PKCE verifier, loopback listener, authorize URL (with the
// S256 challenge), code, exchange (with the verifier), the portal and scopes (from the 2026-03
// token answer; legacy: one token-info call),
// then the connection "portal-<hub_id>" saved as ok with last_successful_post_at = now (a broken
// one is thereby repaired; the sync command releases its parked bookings). Throws
// AuthorizationFailed, OAuthError or http::TransportError; tokens never appear in messages.
Connected connect_oauth(StateStore& store, Clock& clock, const ConnectOptions& options,
                        const AuthorizeUrlHandler& on_authorize_url);

// The flow's second half, for a redirect that landed elsewhere (the admin page's own callback):
// exchanges `code` (with the PKCE `verifier`; "" without PKCE) at `redirect_uri` and saves the
// connection as connect_oauth does. Throws OAuthError or http::TransportError.
Connected finish_oauth(StateStore& store, Clock& clock, const ConnectOptions& options, const std::string& code,
                       const std::string& verifier, const std::string& redirect_uri);

// HubSpot's authorize page, or the sandbox's when hubspot_url is a loopback address.
std::string default_authorize_url(const std::string& hubspot_url);
std::string build_authorize_url(const std::string& authorize_base, const std::string& client_id,
                                const std::string& scopes, const std::string& redirect_uri, const std::string& state,
                                const std::string& code_challenge = "");

struct PrivateAppConnectOptions {
  std::string token;
  std::string hubspot_url = "https://api.hubapi.com";
  std::vector<std::string> extra_ca_pem;
  hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03;
};

// Checks the token with one cheap authenticated call, then ensures its connection row and
// repairs it (ok, last_successful_post_at = now). Throws std::runtime_error when HubSpot
// refuses the token.
Connected connect_private_app(StateStore& store, Clock& clock, const PrivateAppConnectOptions& options);

struct Disconnected {
  std::string connection_id;
  bool revoked = false;       // HubSpot confirmed the refresh token is revoked
  std::string revoke_error;   // why revoking failed, when it was tried and failed
  std::string note;           // e.g. nothing was stored to revoke
};

// Revokes the refresh token at HubSpot (in `api_family`), then forgets the tokens here even
// when the revoke failed. `connection_id` empty: the only OAuth connection. Throws NoConnection.
Disconnected disconnect(StateStore& store, const std::string& connection_id,
                        const std::vector<std::string>& extra_ca_pem = {},
                        hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03);

}  // namespace hubrules::runtime::auth
