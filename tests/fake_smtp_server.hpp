#pragma once
// A scripted SMTP server on 127.0.0.1 for the tests: serves one session in a thread and records
// what the client sends (commands, DATA, whether TLS was used), with a certificate made at test
// time for STARTTLS and implicit TLS. The notifier's tests and the `sync` command's tests share it.
#include <openssl/evp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_certificates.hpp"

namespace hubrules::testing::smtp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;


inline TestCert make_certificate(const char* san) { return make_test_certificate("hubrules test", san); }

inline const TestCert& loopback_cert() {
  static const TestCert cert = make_certificate("DNS:localhost,IP:127.0.0.1");
  return cert;
}

inline std::string base64_decode(const std::string& text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  // EVP_DecodeBlock counts the bytes that '=' padding stands for.
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

struct ServerScript {
  bool offer_starttls = false;
  std::string auth;                           // the AUTH capability's mechanisms, empty: none
  std::map<std::string, std::string> replies; // verb -> reply replacing the default
  std::string close_on;                       // verb after which the server hangs up unanswered
  bool silent = false;                        // accepts but never greets
  bool implicit_tls = false;
  const TestCert* cert = &loopback_cert();

  ServerScript& with_starttls() { offer_starttls = true; return *this; }
  ServerScript& with_auth(std::string mechanisms) { auth = std::move(mechanisms); return *this; }
  ServerScript& reply(std::string verb, std::string text) { replies[std::move(verb)] = std::move(text); return *this; }
  ServerScript& closing_on(std::string verb) { close_on = std::move(verb); return *this; }
  ServerScript& mute() { silent = true; return *this; }
  ServerScript& tls_from_start() { implicit_tls = true; return *this; }
  ServerScript& with_cert(const TestCert& c) { cert = &c; return *this; }
};

// Serves one SMTP session, then stops. Its records are read after finish().
class FakeSmtpServer {
 public:
  explicit FakeSmtpServer(ServerScript script)
      : script_(std::move(script)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), tls_(ssl::context::tls_server) {
    if (script_.cert) {
      tls_.use_certificate_chain(asio::buffer(script_.cert->cert_pem));
      tls_.use_private_key(asio::buffer(script_.cert->key_pem), ssl::context::pem);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~FakeSmtpServer() {
    // shutdown() wakes a blocked accept() or read(), so a failed test cannot hang here.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (int fd = connection_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    finish();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& scheme = "smtp", const std::string& userinfo = "", const std::string& query = "") const {
    return scheme + "://" + userinfo + "127.0.0.1:" + std::to_string(port()) + query;
  }
  void finish() {
    if (thread_.joinable()) thread_.join();
  }
  const std::vector<std::string>& commands() {
    finish();
    return commands_;
  }
  const std::string& data() {
    finish();
    return data_;
  }
  bool tls_used() {
    finish();
    return tls_used_;
  }

 private:
  void run() {
    try {
      ssl::stream<tcp::socket> stream(io_, tls_);
      acceptor_.accept(stream.lowest_layer());
      connection_fd_ = stream.lowest_layer().native_handle();
      serve(stream);
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  template <class F>
  void with_stream(ssl::stream<tcp::socket>& s, F&& f) {
    if (tls_used_)
      f(s);
    else
      f(s.next_layer());
  }

  std::string read_until(ssl::stream<tcp::socket>& s, const std::string& end) {
    std::size_t n = 0;
    with_stream(s, [&](auto& stream) { n = asio::read_until(stream, asio::dynamic_buffer(buffer_), end); });
    std::string text = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return text;
  }

  void say(ssl::stream<tcp::socket>& s, std::string reply) {
    if (!reply.ends_with("\r\n")) reply += "\r\n";
    with_stream(s, [&](auto& stream) { asio::write(stream, asio::buffer(reply)); });
  }

  std::string next_command(ssl::stream<tcp::socket>& s) {
    std::string line = read_until(s, "\r\n");
    line.resize(line.size() - 2);
    commands_.push_back(line);
    return line;
  }

  std::string ehlo_reply() const {
    std::string reply = "250-fake.test greets you\r\n250-8BITMIME\r\n";
    if (script_.offer_starttls && !tls_used_) reply += "250-STARTTLS\r\n";
    if (!script_.auth.empty()) reply += "250-AUTH " + script_.auth + "\r\n";
    return reply + "250 SIZE 10240000\r\n";
  }

  void serve(ssl::stream<tcp::socket>& s) {
    if (script_.implicit_tls) {
      s.handshake(ssl::stream_base::server);
      tls_used_ = true;
    }
    if (script_.silent) {
      read_until(s, "\r\n");  // until the client gives up and closes
      return;
    }
    say(s, "220 fake.test ESMTP ready");
    for (;;) {
      std::string line = next_command(s);
      std::string verb = line.substr(0, line.find(' '));
      if (verb == script_.close_on) return;
      if (auto it = script_.replies.find(verb); it != script_.replies.end()) {
        say(s, it->second);
        if (verb == "QUIT") return;
        continue;
      }
      if (!answer(s, verb)) return;
    }
  }

  bool answer(ssl::stream<tcp::socket>& s, const std::string& verb) {
    if (verb == "EHLO") {
      say(s, ehlo_reply());
    } else if (verb == "STARTTLS") {
      say(s, "220 2.0.0 go ahead");
      s.handshake(ssl::stream_base::server);
      tls_used_ = true;
    } else if (verb == "AUTH") {
      if (commands_.back() == "AUTH LOGIN") {
        say(s, "334 VXNlcm5hbWU6");
        next_command(s);
        say(s, "334 UGFzc3dvcmQ6");
        next_command(s);
      }
      say(s, "235 2.7.0 authenticated");
    } else if (verb == "DATA") {
      say(s, "354 end with <CRLF>.<CRLF>");
      data_ = read_until(s, "\r\n.\r\n");
      say(s, "250 2.0.0 queued as 1234");
    } else if (verb == "QUIT") {
      say(s, "221 2.0.0 bye");
      return false;
    } else {
      say(s, "250 2.1.0 ok");
    }
    return true;
  }

  ServerScript script_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  ssl::context tls_;
  std::thread thread_;
  std::atomic<int> connection_fd_{-1};
  std::string buffer_;
  std::vector<std::string> commands_;
  std::string data_;
  std::string error_;
  bool tls_used_ = false;
};

}  // namespace hubrules::testing::smtp
