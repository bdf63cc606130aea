#pragma once
// `hubrules serve --config FILE`: the config file read (runtime/config) and turned into the
// settings a Service runs with, the secrets read from their variables or files. Called at start
// and on every SIGHUP, so a rotated secret or a changed rule file is picked up.
#include <filesystem>

#include "runtime/serve/service_settings.hpp"

namespace hubrules::runtime::serve {

// Throws config::ConfigError (every problem of the file, at its line and column),
// config::SecretError, or std::runtime_error (a certificate authority file that cannot be read).
ServeSettings settings_from_config(const std::filesystem::path& file);

}  // namespace hubrules::runtime::serve
