#pragma once
// Where a secret comes from (an environment variable or a file), and reading it. Configs and
// command lines name only the source: a secret on a command line shows in `ps`, and one inside a
// config file ends up in backups and version control.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::runtime::config {

struct SecretSource {
  std::string env;   // the environment variable holding the secret
  std::string file;  // or the file holding it (one secret per non-empty line)

  bool empty() const { return env.empty() && file.empty(); }
};

// A secret could not be read. The message names the variable or file and what the secret is
// for, never the secret itself.
class SecretError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every secret the source holds, in order, each trimmed of surrounding whitespace (so a trailing
// newline or a CRLF line ending is not part of it). A file may hold several, one per non-empty
// line, so a webhook secret can be rotated: old and new are both accepted during the switch.
// `what` says what the secret is for ("the webhook secret of integration `sales`") and appears
// in errors. Throws SecretError when the source is empty or names both a variable and a file,
// when the variable is unset or the file unreadable, or when they hold no secret.
// A file that its group or others may read is still read, and a warning is logged (spdlog):
// the secret works, but the admin should tighten the file (see loose_permissions_warning).
std::vector<std::string> read_secrets(const SecretSource& source, std::string_view what);

// The first secret of the source (the one to present, where one is sent rather than checked).
std::string read_secret(const SecretSource& source, std::string_view what);

// The warning read_secrets logs for `file`, or nothing when only its owner may read it.
std::optional<std::string> loose_permissions_warning(const std::filesystem::path& file, std::string_view what);

// The non-empty, trimmed lines of `text`: the secrets a file or variable holds.
std::vector<std::string> split_secrets(std::string_view text);

}  // namespace hubrules::runtime::config
