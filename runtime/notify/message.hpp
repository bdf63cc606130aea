#pragma once
// The error email as RFC 5322 text: headers (RFC 2047 for a non-ASCII subject), a UTF-8 plain
// text body, and the words that tell the admin what failed and what to do.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime::notify {

struct EmailMessage {
  std::string from;
  std::vector<std::string> to;
  std::string subject;  // UTF-8
  std::string body;     // UTF-8, any line endings
  TimePoint date;
  std::string message_id;  // "<...@...>"; empty: made from the date and the sender's domain
};

// The whole message with CRLF line endings, ready for SMTP DATA or an .eml file.
std::string render_message(const EmailMessage& message);

// "Fri, 27 Nov 2026 04:42:00 +0000"
std::string rfc5322_date(TimePoint when);
// ASCII text unchanged; otherwise RFC 2047 B encoded-words of at most 75 characters, split only
// between UTF-8 characters, one per folded header line.
std::string encode_header_text(std::string_view text);
// RFC 2045 quoted-printable with CRLF line endings and soft breaks at 76 characters.
std::string quoted_printable(std::string_view text);
// Base64 without line breaks (RFC 2047 words, SMTP AUTH).
std::string base64(std::string_view data);
// A fresh "<time.random@domain>".
std::string make_message_id(TimePoint when, std::string_view from_address);

// What went wrong, for the admin.
struct FailureReport {
  std::string connection;    // the HubSpot connection (portal) that failed
  TimePoint failed_at;
  std::string reason;        // e.g. "refresh token rejected (BAD_REFRESH_TOKEN)"
  std::size_t kept_bookings = 0;  // bookings waiting in the store for the connection to be repaired
  std::string state_file;    // where they are kept; optional
  std::string admin_email;   // the connection's admin; empty: the notifier's configured recipients
};

std::string failure_subject(const FailureReport& report);
std::string failure_body(const FailureReport& report);

}  // namespace hubrules::runtime::notify
