#pragma once
// The sandbox's stand-in for HubSpot's consent screen: a real page a browser goes through
// (choose the account, Allow or Deny), so the admin page's Connect runs end to end with no
// HubSpot account. HubSpot's own screen signs the user in first; the sandbox has one user.
#include <cstdint>
#include <map>
#include <string>

namespace hubrules::runtime::sandbox {

// The fields an authorize request carries through the page to its POST, in this order.
inline constexpr const char* kAuthorizeFields[] = {"client_id", "redirect_uri", "scope", "optional_scope", "state",
                                                   "code_challenge", "code_challenge_method"};

struct AuthorizePage {
  std::map<std::string, std::string> request;  // the authorize request's fields
  std::string scopes;                           // what the app is granted, space-separated
  std::int64_t hub_id = 0;                      // the account offered
};

std::string render_authorize_page(const AuthorizePage& page);
// A page that says what was wrong with the authorize request (HubSpot shows one, no redirect).
std::string render_authorize_error(const std::string& message);

}  // namespace hubrules::runtime::sandbox
