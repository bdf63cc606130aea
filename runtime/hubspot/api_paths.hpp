#pragma once
// The paths of HubSpot's API, for each family the product speaks (HUBSPOT-API.md, API versions).
// The one place that knows them: every HubSpot request target is built here.
//
// - 2026-03 (the default): date-versioned paths, `/crm/objects/2026-03/…`, `/oauth/2026-03/token`.
// - legacy (`--hubspot-api v3`): `/crm/v3/…`, `/crm/v4/…` and `/oauth/v1/…`, for servers that
//   have only them. HubSpot stops OAuth v1 on 2027-02-16, v4 on 2027-03-30, v3 in September 2027.
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/object_type.hpp"

namespace hubrules::runtime::hubspot {

enum class ApiFamily { v2026_03, legacy };

// "2026-03" or "v3" (the names `--hubspot-api` takes); nullopt for anything else.
std::optional<ApiFamily> parse_api_family(std::string_view name);
std::string_view to_string(ApiFamily family);

class ApiPaths {
 public:
  explicit ApiPaths(ApiFamily family = ApiFamily::v2026_03) : family_(family) {}
  ApiFamily family() const { return family_; }

  // POST …/{contacts|companies}/batch/{action} (create, read, update, archive).
  std::string batch(ObjectType type, std::string_view action) const;
  // POST …/{contacts|companies}/search
  std::string search(ObjectType type) const;
  // GET …/properties/…/{contacts|companies}
  std::string properties(ObjectType type) const;
  // GET …/properties/…/{contacts|companies}/groups
  std::string property_groups(ObjectType type) const;

  // The consent page a browser opens (on app.hubspot.com; a sandbox serves it itself). The same
  // in both families.
  static constexpr const char* oauth_authorize() { return "/oauth/authorize"; }
  static constexpr const char* web_app_url() { return "https://app.hubspot.com"; }
  // POST, form-encoded: code exchange and refresh.
  std::string oauth_token() const;
  // Revoking a refresh token. 2026-03: POST, form-encoded, the token in the body. Legacy: DELETE
  // with the token in the path, the one secret that ever stands in a URL (redacted in logs).
  bool revoke_in_body() const { return family_ == ApiFamily::v2026_03; }
  std::string oauth_revoke(std::string_view refresh_token) const;
  // Legacy only: GET …/access-tokens/{token} names the token's portal. 2026-03 has it in the
  // token answer itself (`hub_id`, `scopes`).
  std::string oauth_access_token_info(std::string_view access_token) const;

 private:
  std::string objects(ObjectType type) const;

  ApiFamily family_;
};

}  // namespace hubrules::runtime::hubspot
