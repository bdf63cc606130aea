#pragma once
// The error email's SMTP options of `sync`, `retry` and `serve`, read one way:
//   --smtp URL  --smtp-user U  and the password from --smtp-password-file F or
//   HUBRULES_SMTP_PASSWORD — never on the command line (a password inside the URL still works,
//   with a warning: `ps` shows it).
#include <string>

#include "runtime/cli/command_line.hpp"

namespace hubrules::runtime {

struct SmtpCredentials {
  std::string url;  // empty: error emails go to the outbox beside the state file
  std::string user;
  std::string password;
};

// Throws UsageError for --smtp-user or --smtp-password-file without --smtp.
SmtpCredentials smtp_options_from(const CommandLine& cl);

}  // namespace hubrules::runtime
