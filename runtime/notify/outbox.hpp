#pragma once
// Where the error email goes when no SMTP server is configured: one .eml file per message,
// readable only by the owner (the body names the connection and the failure).
#include <filesystem>
#include <string_view>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime::notify {

class Outbox {
 public:
  explicit Outbox(std::filesystem::path directory) : directory_(std::move(directory)) {}

  // "<state file's directory>/outbox".
  static std::filesystem::path beside(const std::filesystem::path& state_file);

  // Creates the folder (0700) if needed and writes the message atomically (a temporary file,
  // fsync, then a link under a name no other writer holds) as a 0600 file named
  // "YYYYMMDDTHHMMSSZ-<pid>-<n>.eml". Returns its path; throws std::system_error.
  std::filesystem::path write(std::string_view message, TimePoint when) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
};

}  // namespace hubrules::runtime::notify
