// The one place that builds HubSpot's paths, for both API families; PKCE's S256 challenge.
#include <catch2/catch.hpp>

#include "runtime/auth/pkce.hpp"
#include "runtime/hubspot/api_paths.hpp"

using namespace hubrules::runtime;
using hubspot::ApiFamily;
using hubspot::ApiPaths;

TEST_CASE("api paths: 2026-03 is the default and speaks the date-versioned paths", "[hubspot]") {
  const ApiPaths paths;
  CHECK(paths.family() == ApiFamily::v2026_03);
  CHECK(paths.batch(ObjectType::contact, "read") == "/crm/objects/2026-03/contacts/batch/read");
  CHECK(paths.batch(ObjectType::company, "create") == "/crm/objects/2026-03/companies/batch/create");
  CHECK(paths.search(ObjectType::company) == "/crm/objects/2026-03/companies/search");
  CHECK(paths.properties(ObjectType::contact) == "/crm/properties/2026-03/contacts");
  CHECK(paths.oauth_token() == "/oauth/2026-03/token");
  CHECK(paths.revoke_in_body());
  // The token goes in the form body, never in the URL.
  CHECK(paths.oauth_revoke("refresh-SECRET") == "/oauth/2026-03/token/revoke");
}

TEST_CASE("api paths: the legacy family speaks /crm/v3 and /oauth/v1", "[hubspot]") {
  const ApiPaths paths(ApiFamily::legacy);
  CHECK(paths.batch(ObjectType::contact, "read") == "/crm/v3/objects/contacts/batch/read");
  CHECK(paths.batch(ObjectType::company, "create") == "/crm/v3/objects/companies/batch/create");
  CHECK(paths.search(ObjectType::company) == "/crm/v3/objects/companies/search");
  CHECK(paths.properties(ObjectType::company) == "/crm/v3/properties/companies");
  CHECK(paths.oauth_token() == "/oauth/v1/token");
  CHECK_FALSE(paths.revoke_in_body());
  CHECK(paths.oauth_revoke("a/b c") == "/oauth/v1/refresh-tokens/a%2Fb%20c");
  CHECK(paths.oauth_access_token_info("t") == "/oauth/v1/access-tokens/t");
}

TEST_CASE("api paths: --hubspot-api names", "[hubspot]") {
  CHECK(hubspot::parse_api_family("2026-03") == ApiFamily::v2026_03);
  CHECK(hubspot::parse_api_family("v3") == ApiFamily::legacy);
  CHECK(hubspot::parse_api_family("legacy") == ApiFamily::legacy);
  CHECK_FALSE(hubspot::parse_api_family("2026-09"));
  CHECK_FALSE(hubspot::parse_api_family(""));
  CHECK(hubspot::to_string(ApiFamily::v2026_03) == "2026-03");
  CHECK(hubspot::to_string(ApiFamily::legacy) == "v3");
}

TEST_CASE("pkce: the S256 challenge, and fresh verifiers", "[auth]") {
  // Expected values from Python's hashlib and base64.urlsafe_b64encode, padding removed.
  CHECK(auth::code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWEOEjXk") ==
        "TP3DZQl9rJnri9eRuZaFS6Q7czCrth7sEZC00LreApo");
  CHECK(auth::code_challenge_s256("abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  CHECK(auth::code_challenge_s256("") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  const std::string a = auth::make_code_verifier();
  const std::string b = auth::make_code_verifier();
  CHECK(a.size() == 43);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
}
