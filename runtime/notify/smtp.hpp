#pragma once
// A small synchronous SMTP client for the error email: enough of RFC 5321 (EHLO, STARTTLS,
// AUTH PLAIN/LOGIN, MAIL/RCPT/DATA, QUIT) to hand one message to the admin's relay.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::runtime::notify {

// Every failure: bad URL, network, TLS, or a refusal by the server (then with its reply).
// The message never holds the password.
class SmtpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StartTls { auto_, required, never };

// smtp://[user:password@]host[:port][?starttls=auto|required|never]   (default port 25)
// smtps://[user:password@]host[:port]                                  (implicit TLS, 465)
struct SmtpUrl {
  bool implicit_tls = false;
  std::string host;
  std::uint16_t port = 25;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; never printed
  StartTls starttls = StartTls::auto_;

  bool has_credentials() const { return !user.empty(); }
  // For logs and errors: the URL with the password masked.
  std::string redacted() const;
};

SmtpUrl parse_smtp_url(std::string_view url);  // throws SmtpError

struct SmtpOptions {
  std::chrono::milliseconds timeout{15000};  // per network step, not per message
  std::string extra_ca_pem;                  // trusted besides the system store (tests, private CAs)
  std::string helo_name = "localhost";
};

struct Envelope {
  std::string from;
  std::vector<std::string> to;
};

class SmtpSender {
 public:
  explicit SmtpSender(SmtpUrl url, SmtpOptions options = {});
  // Delivers one RFC 5322 message; its line endings are normalised to CRLF and lines starting
  // with '.' are dot-stuffed here. Throws SmtpError.
  void send(const Envelope& envelope, std::string_view message);

  const SmtpUrl& url() const { return url_; }

 private:
  SmtpUrl url_;
  SmtpOptions options_;
};

// DATA payload: CRLF line endings, dot-stuffing, and the terminating "." line.
std::string smtp_data_payload(std::string_view message);

}  // namespace hubrules::runtime::notify
