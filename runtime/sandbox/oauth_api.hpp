#pragma once
// HubSpot's OAuth endpoints and bearer-token checks (HUBSPOT-API.md, Auth).
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/sandbox/http_types.hpp"
#include "runtime/sandbox/sandbox_store.hpp"

namespace hubrules::runtime::sandbox {

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

  ApiResponse authorize(const ApiRequest& req);
  ApiResponse token(const ApiRequest& req);
  ApiResponse revoke(const std::string& refresh_token);
  // GET /oauth/v1/access-tokens/{token}: the portal (hub_id) and scopes a token is for.
  ApiResponse access_token_info(const std::string& access_token);
  // The 401 to answer, or nullopt when the Authorization header carries a usable token.
  std::optional<ApiResponse> check_bearer(const std::string& authorization);
  // What uninstalling the app does on HubSpot's side: every OAuth token stops working.
  void revoke_all();

 private:
  ApiResponse grant_code(const std::map<std::string, std::string>& form);
  ApiResponse grant_refresh(const std::map<std::string, std::string>& form);
  ApiResponse issue(const std::string& refresh_token);
  std::optional<ApiResponse> check_client(const std::map<std::string, std::string>& form);
  std::int64_t now_ms() const;

  Store& store_;
  Clock& clock_;
  OAuthSettings settings_;
};

}  // namespace hubrules::runtime::sandbox
