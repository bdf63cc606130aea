#include "runtime/notify/smtp.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <set>
#include <sstream>

#include "runtime/notify/message.hpp"

namespace hubrules::runtime::notify {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// ---- URL ---------------------------------------------------------------------------------

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) throw SmtpError("SMTP URL: bad percent-escape in credentials");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

StartTls parse_starttls(std::string_view query) {
  if (query.empty()) return StartTls::auto_;
  constexpr std::string_view key = "starttls=";
  if (!query.starts_with(key)) throw SmtpError("SMTP URL: unknown parameter (only starttls=)");
  auto value = query.substr(key.size());
  if (value == "auto") return StartTls::auto_;
  if (value == "required") return StartTls::required;
  if (value == "never") return StartTls::never;
  throw SmtpError("SMTP URL: starttls must be auto, required or never");
}

std::uint16_t parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    throw SmtpError("SMTP URL: bad port");
  int port = std::stoi(std::string(s));
  if (port < 1 || port > 65535) throw SmtpError("SMTP URL: bad port");
  return static_cast<std::uint16_t>(port);
}

void parse_host_port(std::string_view hostport, SmtpUrl& url) {
  std::string_view port;
  if (hostport.starts_with('[')) {  // [IPv6]:port
    auto close = hostport.find(']');
    if (close == std::string_view::npos) throw SmtpError("SMTP URL: bad IPv6 host");
    url.host = std::string(hostport.substr(1, close - 1));
    auto rest = hostport.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') throw SmtpError("SMTP URL: bad host");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    auto colon = hostport.rfind(':');
    url.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (url.host.empty()) throw SmtpError("SMTP URL: no host");
  if (!port.empty()) url.port = parse_port(port);
}

}  // namespace

SmtpUrl parse_smtp_url(std::string_view text) {
  SmtpUrl url;
  std::string_view rest;
  if (text.starts_with("smtp://")) {
    rest = text.substr(7);
  } else if (text.starts_with("smtps://")) {
    rest = text.substr(8);
    url.implicit_tls = true;
    url.port = 465;
  } else {
    throw SmtpError("SMTP URL must start with smtp:// or smtps://");
  }
  auto question = rest.find('?');
  std::string_view query = question == std::string_view::npos ? "" : rest.substr(question + 1);
  rest = rest.substr(0, question);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  // The last '@' ends the credentials: user names are often email addresses.
  auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    auto colon = userinfo.find(':');
    url.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
    if (url.user.empty()) throw SmtpError("SMTP URL: empty user name");
    rest = rest.substr(at + 1);
  }
  parse_host_port(rest, url);
  url.starttls = parse_starttls(query);
  if (url.implicit_tls && !query.empty()) throw SmtpError("SMTP URL: starttls does not apply to smtps://");
  return url;
}

std::string SmtpUrl::redacted() const {
  std::string out = implicit_tls ? "smtps://" : "smtp://";
  if (has_credentials()) out += user + (password.empty() ? "" : ":***") + "@";
  bool v6 = host.find(':') != std::string::npos;
  out += (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  return out;
}

std::string smtp_data_payload(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 50 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';
    line_start = false;
    if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;  // the '\n' emits CRLF
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

// ---- Session -----------------------------------------------------------------------------

namespace {

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // without the code and separator

  std::string text() const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? " / " : " ") + lines[i];
    return out;
  }
};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_loopback(const std::string& host) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  return host == "localhost" || (!ec && address.is_loopback());
}

void add_words(const std::string& text, std::set<std::string>& words) {
  std::istringstream in(text);
  for (std::string word; in >> word;) words.insert(word);
}

void check_address(const std::string& address) {
  if (address.empty() || address.find_first_of("\r\n<>") != std::string::npos)
    throw SmtpError("SMTP: invalid mail address '" + address + "'");
}

class Session {
 public:
  Session(const SmtpUrl& url, const SmtpOptions& options)
      : url_(url), options_(options), tls_context_(make_tls_context()), stream_(io_, tls_context_) {}

  void deliver(const Envelope& envelope, std::string_view message) {
    connect();
    if (url_.implicit_tls) handshake();
    try {
      expect(read_reply(), 220, "greeting");
      ehlo();
      maybe_starttls();
      if (url_.has_credentials()) authenticate();
      transfer(envelope, message);
    } catch (const SmtpError&) {
      // After a refusal the session still works: end it politely, as servers expect.
      if (refused_) quit();
      throw;
    }
    quit();
  }

 private:
  std::string where() const { return "SMTP " + url_.redacted(); }

  ssl::context make_tls_context() {
    ssl::context context(ssl::context::tls_client);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    context.set_default_verify_paths();
    if (!options_.extra_ca_pem.empty()) {
      error_code ec;
      context.add_certificate_authority(asio::buffer(options_.extra_ca_pem), ec);
      if (ec) throw SmtpError("SMTP: cannot load the extra CA certificate: " + ec.message());
    }
    context.set_verify_mode(ssl::verify_peer);
    return context;
  }

  // Runs one asynchronous operation to completion or until the step timeout; asynchronous
  // operations are the only portable way to put a deadline on Asio's blocking calls.
  template <class Start>
  void await(Start&& start, const std::string& what) {
    error_code result = asio::error::would_block;
    start([&result](const error_code& ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run_for(options_.timeout);
    if (result == asio::error::would_block) {
      error_code ignored;
      stream_.lowest_layer().close(ignored);
      io_.restart();
      io_.run();
      throw SmtpError(where() + ": timed out " + what);
    }
    if (result == asio::error::eof || result == ssl::error::stream_truncated)
      throw SmtpError(where() + ": the server closed the connection " + what);
    if (result) throw SmtpError(where() + ": " + what + ": " + result.message());
  }

  void connect() {
    tcp::resolver resolver(io_);
    tcp::resolver::results_type endpoints;
    await([&](auto handler) {
      resolver.async_resolve(url_.host, std::to_string(url_.port),
                             [&endpoints, handler](const error_code& ec, tcp::resolver::results_type r) {
                               endpoints = std::move(r);
                               handler(ec);
                             });
    }, "resolving the host");
    await([&](auto handler) { asio::async_connect(stream_.lowest_layer(), endpoints, handler); }, "connecting");
  }

  void handshake() {
    SSL* ssl = stream_.native_handle();
    error_code not_ip;
    asio::ip::make_address(url_.host, not_ip);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, url_.host.c_str());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), 0);
    }
    await([&](auto handler) { stream_.async_handshake(ssl::stream_base::client, handler); }, "in the TLS handshake");
    tls_ = true;
    spdlog::debug("SMTP TLS established with {}", url_.redacted());
  }

  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(stream_);
    else
      f(stream_.next_layer());
  }

  std::string read_line() {
    with_stream([&](auto& s) {
      await([&](auto handler) { asio::async_read_until(s, asio::dynamic_buffer(buffer_, 65536), "\r\n", handler); },
            "while waiting for a reply");
    });
    auto end = buffer_.find("\r\n");
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
  }

  Reply read_reply() {
    Reply reply;
    for (;;) {
      std::string line = read_line();
      bool shaped = line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
                    (line.size() == 3 || line[3] == ' ' || line[3] == '-');
      if (!shaped) throw SmtpError(where() + ": malformed reply '" + scrub(line.substr(0, 200)) + "'");
      int code = std::stoi(line.substr(0, 3));
      if (reply.code != 0 && code != reply.code) throw SmtpError(where() + ": inconsistent multi-line reply");
      reply.code = code;
      reply.lines.push_back(line.size() > 4 ? line.substr(4) : "");
      if (line.size() == 3 || line[3] == ' ') return reply;
    }
  }

  void write(const std::string& data) {
    with_stream([&](auto& s) { await([&](auto handler) { asio::async_write(s, asio::buffer(data), handler); }, "while sending"); });
  }

  // `step` names the command in errors instead of echoing it: AUTH lines carry the password.
  Reply command(const std::string& line, const std::string& step) {
    write(line + "\r\n");
    Reply reply = read_reply();
    spdlog::debug("SMTP {} -> {}", step, reply.code);
    return reply;
  }

  void expect(const Reply& reply, int wanted, const std::string& step) {
    if (reply.code == wanted) return;
    refused_ = true;
    throw SmtpError(where() + " refused " + step + ": " + scrub(reply.text()));
  }

  // Some servers quote what they could not decode: never let that put the password in an error.
  std::string scrub(std::string text) const {
    if (url_.password.empty()) return text;
    for (const auto& secret : {url_.password, base64(url_.password), base64(plain_token())}) {
      for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
        text.replace(pos, secret.size(), "***");
    }
    return text;
  }

  std::string plain_token() const { return std::string("\0", 1) + url_.user + std::string("\0", 1) + url_.password; }

  void ehlo() {
    Reply reply = command("EHLO " + options_.helo_name, "EHLO");
    expect(reply, 250, "EHLO");
    capabilities_.clear();
    auth_mechanisms_.clear();
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {  // the first line is the greeting name
      std::string line = upper(reply.lines[i]);
      std::string keyword = line.substr(0, line.find(' '));
      capabilities_.insert(keyword);
      if (keyword == "AUTH") add_words(line.substr(4), auth_mechanisms_);
    }
  }

  void maybe_starttls() {
    if (url_.implicit_tls || url_.starttls == StartTls::never) return;
    bool offered = capabilities_.count("STARTTLS") > 0;
    if (!offered) {
      if (url_.starttls == StartTls::required) throw SmtpError(where() + ": the server does not offer STARTTLS (starttls=required)");
      return;
    }
    expect(command("STARTTLS", "STARTTLS"), 220, "STARTTLS");
    // Bytes the server sent before the handshake would be trusted after it (CVE-2011-0411).
    if (!buffer_.empty()) throw SmtpError(where() + ": data received before the TLS handshake");
    handshake();
    ehlo();
  }

  void authenticate() {
    if (!tls_ && !is_loopback(url_.host))
      throw SmtpError(where() + ": refusing to send the password over an unencrypted connection");
    if (auth_mechanisms_.count("PLAIN")) {
      expect(command("AUTH PLAIN " + base64(plain_token()), "AUTH PLAIN"), 235, "AUTH PLAIN");
    } else if (auth_mechanisms_.count("LOGIN")) {
      expect(command("AUTH LOGIN", "AUTH LOGIN"), 334, "AUTH LOGIN");
      expect(command(base64(url_.user), "AUTH LOGIN user"), 334, "AUTH LOGIN user");
      expect(command(base64(url_.password), "AUTH LOGIN password"), 235, "AUTH LOGIN password");
    } else {
      throw SmtpError(where() + ": the server offers neither AUTH PLAIN nor AUTH LOGIN");
    }
  }

  void transfer(const Envelope& envelope, std::string_view message) {
    check_address(envelope.from);
    if (envelope.to.empty()) throw SmtpError("SMTP: no recipient");
    expect(command("MAIL FROM:<" + envelope.from + ">", "MAIL FROM"), 250, "MAIL FROM");
    for (const auto& to : envelope.to) {
      check_address(to);
      Reply reply = command("RCPT TO:<" + to + ">", "RCPT TO");
      if (reply.code != 251) expect(reply, 250, "RCPT TO <" + to + ">");
    }
    expect(command("DATA", "DATA"), 354, "DATA");
    write(smtp_data_payload(message));
    expect(read_reply(), 250, "the message");
  }

  void quit() {
    // The message is accepted already; a server that hangs up instead of saying 221 is fine.
    try {
      command("QUIT", "QUIT");
    } catch (const SmtpError& e) {
      spdlog::debug("SMTP QUIT: {}", e.what());
    }
    error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  const SmtpUrl& url_;
  const SmtpOptions& options_;
  asio::io_context io_;
  ssl::context tls_context_;
  ssl::stream<tcp::socket> stream_;
  bool tls_ = false;
  bool refused_ = false;  // the server answered with an error; the connection itself is sound
  std::string buffer_;
  std::set<std::string> capabilities_;
  std::set<std::string> auth_mechanisms_;
};

}  // namespace

SmtpSender::SmtpSender(SmtpUrl url, SmtpOptions options) : url_(std::move(url)), options_(std::move(options)) {}

void SmtpSender::send(const Envelope& envelope, std::string_view message) {
  Session session(url_, options_);
  session.deliver(envelope, message);
  spdlog::info("SMTP: message delivered via {} to {} recipient(s)", url_.redacted(), envelope.to.size());
}

}  // namespace hubrules::runtime::notify
