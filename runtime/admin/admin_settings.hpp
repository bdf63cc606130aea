#pragma once
// What the administrators' page (/admin of `hubrules serve`) runs with. Secrets are already read
// from the environment or files; none came from a command line or the config file itself.
#include <string>

namespace hubrules::runtime::admin {

struct AdminSettings {
  // Signs an administrator in, and keys the session cookies, CSRF tokens and OAuth states (so
  // every worker with the same token accepts them). Empty: /admin is off and says so.
  std::string token;
  // Where browsers reach this service ("https://hubrules.example.com"): the OAuth redirect URI is
  // public_url + "/admin/oauth/callback" and the webhook URLs shown start with it. Empty: the
  // address the service listens on.
  std::string public_url;
  // The HubSpot app that Connect signs in with (authorization code + PKCE). Empty client id:
  // Connect says how to configure it.
  std::string oauth_client_id;
  std::string oauth_client_secret;
  std::string authorize_url;  // empty: HubSpot's own (or the sandbox's for a loopback HubSpot)
};

// Shorter than this, an admin token is refused at start: it is the only key to the page.
inline constexpr std::size_t kMinAdminTokenLength = 16;

}  // namespace hubrules::runtime::admin
