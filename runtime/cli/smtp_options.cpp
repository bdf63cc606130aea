#include "runtime/cli/smtp_options.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "runtime/config/secret_source.hpp"
#include "runtime/notify/smtp.hpp"

namespace hubrules::runtime {

namespace {

// --smtp-password-file, else HUBRULES_SMTP_PASSWORD, else "" (the URL's own password, if any).
std::string smtp_password_from(const CommandLine& cl) {
  if (const auto file = cl.value("smtp-password-file"))
    return config::read_secret({"", *file}, "the SMTP password (--smtp-password-file)");
  if (std::getenv("HUBRULES_SMTP_PASSWORD") == nullptr) return "";
  return config::read_secret({"HUBRULES_SMTP_PASSWORD", ""}, "the SMTP password");
}

// A password inside --smtp still works, so existing cron lines keep sending, but `ps` shows it.
void warn_of_password_in_url(const std::string& url) {
  try {
    if (notify::parse_smtp_url(url).password.empty()) return;
  } catch (const notify::SmtpError&) {
    return;  // the notifier reports a malformed URL itself
  }
  spdlog::warn("the SMTP password is inside the --smtp URL, where every user of this machine can read it; "
               "put it in a file (--smtp-password-file F) or in HUBRULES_SMTP_PASSWORD");
}

}  // namespace

SmtpCredentials smtp_options_from(const CommandLine& cl) {
  SmtpCredentials c;
  c.url = cl.value("smtp").value_or("");
  if (c.url.empty()) {
    if (cl.value("smtp-user") || cl.value("smtp-password-file"))
      throw UsageError("--smtp-user and --smtp-password-file need --smtp URL");
    return c;
  }
  warn_of_password_in_url(c.url);
  c.user = cl.value("smtp-user").value_or("");
  c.password = smtp_password_from(cl);
  return c;
}

}  // namespace hubrules::runtime
