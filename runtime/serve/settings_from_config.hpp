#pragma once
// `hubrules serve --config FILE`: the config file read (runtime/config) and turned into the
// settings a Service runs with, the secrets read from their variables or files. Called at start
// and on every SIGHUP, so a rotated secret or a changed rule file is picked up.
#include <filesystem>
#include <optional>

#include "runtime/config/secret_source.hpp"
#include "runtime/serve/service_settings.hpp"

namespace hubrules::runtime::serve {

// Throws config::ConfigError (every problem of the file, at its line and column),
// config::SecretError, or std::runtime_error (a certificate authority file that cannot be read).
ServeSettings settings_from_config(const std::filesystem::path& file);

// The HubSpot app the admin page's Connect uses, its secret not read yet.
struct OAuthApp {
  std::string client_id;
  config::SecretSource client_secret;
  std::string authorize_url;
};

// The admin token from `source`, else HUBRULES_ADMIN_TOKEN; "" for none. Throws when it is too
// short to guard the page.
std::string admin_token(const config::SecretSource& source);

// The admin page's settings, from the config or the command line alike: the token from `token`
// or else HUBRULES_ADMIN_TOKEN (none: the page is off). Throws when the token is too short to
// guard the page, or a secret cannot be read.
admin::AdminSettings admin_settings(const config::SecretSource& token, std::string public_url,
                                    const std::optional<OAuthApp>& oauth);

}  // namespace hubrules::runtime::serve
