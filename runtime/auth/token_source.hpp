#pragma once
// Which tokens a sync uses: a private-app token given to it, else a stored OAuth connection.
#include <memory>
#include <string>
#include <vector>

#include "runtime/auth/access_tokens.hpp"

namespace hubrules::runtime::auth {

struct TokenSourceOptions {
  std::string explicit_token;  // --token or HUBSPOT_TOKEN; empty: a stored connection
  std::string hubspot_url;
  std::string connection;  // a stored connection's id; empty: the only one for hubspot_url
  std::vector<std::string> extra_ca_pem;
};

std::unique_ptr<AccessTokens> open_access_tokens(StateStore& store, Clock& clock, const TokenSourceOptions& options);

}  // namespace hubrules::runtime::auth
