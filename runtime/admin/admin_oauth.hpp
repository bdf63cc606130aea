#pragma once
// Connect from a browser: the authorization-code flow with PKCE and this server's own redirect
// URI. Nothing is stored between the redirect out and the callback: the `state` is signed (and
// expires), and the PKCE verifier is derived from it with the page's key, so the callback may
// land on any worker sharing the admin token and still only ours completes.
#include <optional>
#include <string>

#include "runtime/admin/signing_key.hpp"
#include "runtime/base/clock.hpp"

namespace hubrules::runtime::admin {

class AdminOAuth {
 public:
  static constexpr std::chrono::minutes kStateLifetime{15};

  AdminOAuth(const SigningKey& key, Clock& clock) : key_(key), clock_(clock) {}

  // HubSpot's authorize URL for a new state; `intended_connection` (may be "") comes back from
  // check_state, so the callback can tell when another portal was chosen.
  std::string authorize_url(const std::string& authorize_base, const std::string& client_id, const std::string& scopes,
                            const std::string& redirect_uri, const std::string& intended_connection) const;
  // The intended connection when `state` is one of ours and fresh.
  std::optional<std::string> check_state(const std::string& state) const;
  std::string verifier_for(const std::string& state) const;

 private:
  const SigningKey& key_;
  Clock& clock_;
};

}  // namespace hubrules::runtime::admin
