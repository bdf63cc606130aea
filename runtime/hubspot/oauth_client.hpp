#pragma once
// HubSpot's OAuth endpoints (../shared/HUBSPOT-API.md, Auth): exchanging an authorization code,
// refreshing an access token, asking which portal a token belongs to, and revoking a refresh
// token. No error message of this layer contains a token, a code or the client secret.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/http/http_client.hpp"
#include "runtime/hubspot/api_paths.hpp"

namespace hubrules::runtime::hubspot {

// The app that asks for (and refreshes) the tokens.
struct OAuthApp {
  std::string client_id;
  std::string client_secret;
  // Must equal the authorize request's for a code exchange; HubSpot does not need it to refresh.
  std::string redirect_uri;
};

struct TokenGrant {
  std::string token_type;  // "bearer"
  std::string access_token;
  std::string refresh_token;
  std::chrono::seconds expires_in{0};
  // 2026-03 answers name the portal and the granted scopes; legacy ones do not (0 and empty).
  std::int64_t hub_id = 0;
  std::vector<std::string> scopes;
};

struct TokenInfo {
  std::int64_t hub_id = 0;  // the portal
  std::string user;
  std::vector<std::string> scopes;
};

// HubSpot answered an OAuth request with an error: `status` is the HTTP status, `code` HubSpot's
// "status" field (BAD_CLIENT_SECRET, BAD_AUTH_CODE…) or "" when the body did not say.
class OAuthError : public std::runtime_error {
 public:
  OAuthError(const std::string& what, int status, std::string code)
      : std::runtime_error(what), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  // 4xx: HubSpot will answer the same until someone changes the app or the tokens; a 5xx may
  // pass.
  bool permanent() const { return status_ >= 400 && status_ < 500; }

 private:
  int status_;
  std::string code_;
};

// error "invalid_grant" (BAD_REFRESH_TOKEN, BAD_AUTH_CODE…): the grant itself is dead. For a
// refresh token that means the app was uninstalled or the token revoked, and only the portal's
// admin can repair the connection, by connecting again.
class InvalidGrant : public OAuthError {
 public:
  using OAuthError::OAuthError;
};

// Serialises its calls (one HttpClient, one request at a time). Transport failures propagate as
// http::TransportError.
class OAuthClient {
 public:
  // `client`'s base URL is HubSpot's API (https://api.hubapi.com or a sandbox); `paths` the
  // API family to speak.
  explicit OAuthClient(http::HttpClient& client, ApiPaths paths = ApiPaths{}) : client_(client), paths_(paths) {}

  // `code_verifier`: the PKCE secret whose S256 challenge the authorize request carried.
  TokenGrant exchange_code(const OAuthApp& app, const std::string& code, const std::string& code_verifier = "");
  TokenGrant refresh(const OAuthApp& app, const std::string& refresh_token);
  // Legacy family only (2026-03 grants carry the portal). Throws OAuthError when HubSpot does
  // not know the token (or it expired).
  TokenInfo token_info(const std::string& access_token);
  // The refresh token and its access tokens stop working. 2026-03 authenticates the app (form
  // body); legacy needs only the token (in the path).
  void revoke(const OAuthApp& app, const std::string& refresh_token);
  const ApiPaths& paths() const { return paths_; }

 private:
  TokenGrant grant(const std::vector<std::pair<std::string, std::string>>& form, const char* what);
  http::HttpResponse send(const http::HttpRequest& request);

  http::HttpClient& client_;
  ApiPaths paths_;
  std::mutex mutex_;
};

}  // namespace hubrules::runtime::hubspot
