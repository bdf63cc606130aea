#include "runtime/hubspot/api_paths.hpp"

#include "runtime/http/form_encoding.hpp"

namespace hubrules::runtime::hubspot {

namespace {

constexpr std::string_view version = "2026-03";

std::string_view object_name(ObjectType type) { return type == ObjectType::contact ? "contacts" : "companies"; }

}  // namespace

std::optional<ApiFamily> parse_api_family(std::string_view name) {
  if (name == version) return ApiFamily::v2026_03;
  if (name == "v3" || name == "legacy") return ApiFamily::legacy;
  return std::nullopt;
}

std::string_view to_string(ApiFamily family) { return family == ApiFamily::v2026_03 ? version : "v3"; }

std::string ApiPaths::objects(ObjectType type) const {
  const std::string prefix = family_ == ApiFamily::v2026_03 ? "/crm/objects/2026-03/" : "/crm/v3/objects/";
  return prefix + std::string(object_name(type));
}

std::string ApiPaths::batch(ObjectType type, std::string_view action) const {
  return objects(type) + "/batch/" + std::string(action);
}

std::string ApiPaths::search(ObjectType type) const { return objects(type) + "/search"; }

std::string ApiPaths::properties(ObjectType type) const {
  const std::string prefix = family_ == ApiFamily::v2026_03 ? "/crm/properties/2026-03/" : "/crm/v3/properties/";
  return prefix + std::string(object_name(type));
}

std::string ApiPaths::property_groups(ObjectType type) const { return properties(type) + "/groups"; }

std::string ApiPaths::oauth_token() const {
  return family_ == ApiFamily::v2026_03 ? "/oauth/2026-03/token" : "/oauth/v1/token";
}

std::string ApiPaths::oauth_revoke(std::string_view refresh_token) const {
  if (family_ == ApiFamily::v2026_03) return "/oauth/2026-03/token/revoke";
  return "/oauth/v1/refresh-tokens/" + http::form_url_encode(refresh_token);
}

std::string ApiPaths::oauth_access_token_info(std::string_view access_token) const {
  return "/oauth/v1/access-tokens/" + http::form_url_encode(access_token);
}

}  // namespace hubrules::runtime::hubspot
