#pragma once
// HubSpot's OAuth endpoints and bearer-token checks (HUBSPOT-API.md, Auth).
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/sandbox/http_types.hpp"
#include "runtime/sandbox/sandbox_store.hpp"

namespace hubrules::runtime::sandbox {

// The shape of a token answer: v1's, or 2026-03's, which adds hub_id, scopes, user_id and
// token_use (HUBSPOT-API.md, API versions).
enum class TokenAnswer { v1, v2026_03 };

struct OAuthSettings {
  std::vector<std::string> private_app_tokens;  // empty: any "pat-…" token
  std::string client_id;                        // empty: any
  std::string client_secret;                    // empty: any
  Millis access_token_lifetime{30 * 60 * 1000};  // "Access tokens live 30 minutes"
  std::int64_t hub_id = 1234567;                 // the sandbox's one portal
};

class OAuth {
 public:
  OAuth(Store& store, Clock& clock, OAuthSettings settings) : store_(store), clock_(clock), settings_(std::move(settings)) {}

  // GET /oauth/authorize: the consent page. POST /oauth/authorize: its Allow or Deny.
  ApiResponse authorize(const ApiRequest& req);
  ApiResponse approve(const ApiRequest& req);
  // POST /oauth/v1/token and POST /oauth/2026-03/token: the same grants and checks.
  ApiResponse token(const ApiRequest& req, TokenAnswer answer);
  // DELETE /oauth/v1/refresh-tokens/{token}.
  ApiResponse revoke(const std::string& refresh_token);
  // POST /oauth/2026-03/token/revoke (RFC 7009): the client's credentials and the token in the form.
  ApiResponse revoke_token(const ApiRequest& req);
  // POST /oauth/2026-03/token/introspect (RFC 7662 with HubSpot's hub_id and scopes).
  ApiResponse introspect(const ApiRequest& req);
  // GET /oauth/v1/access-tokens/{token}: the portal (hub_id) and scopes a token is for.
  ApiResponse access_token_info(const std::string& access_token);
  // The 401 to answer, or the 403 when an OAuth token was not granted required_scope (empty:
  // none needed), or nullopt when the Authorization header carries a usable token. Private-app
  // tokens have every scope.
  std::optional<ApiResponse> check_bearer(const std::string& authorization, const std::string& required_scope);
  // What uninstalling the app does on HubSpot's side: every OAuth token stops working.
  void revoke_all();
  std::int64_t hub_id() const { return settings_.hub_id; }

 private:
  using Form = std::map<std::string, std::string>;
  ApiResponse grant_code(const Form& form, TokenAnswer answer);
  ApiResponse grant_refresh(const Form& form, TokenAnswer answer);
  // A new access token from refresh, with its scopes.
  ApiResponse issue(const StoredToken& refresh, TokenAnswer answer);
  std::optional<ApiResponse> check_client(const Form& form);
  std::optional<std::string> authorize_problem(const Form& request) const;
  // The refresh token and the access tokens made from it stop working.
  void revoke_refresh(StoredToken& refresh);
  std::optional<ApiResponse> check_dated_request(const ApiRequest& req);
  std::int64_t now_ms() const;

  Store& store_;
  Clock& clock_;
  OAuthSettings settings_;
};

}  // namespace hubrules::runtime::sandbox
